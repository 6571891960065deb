/**
 * Checkpoints of the SQLite file's write-ahead log, made by a worker thread instead of the
 * commit that happens to fill it.
 *
 * SQLite copies the log back into the database file (and syncs both) whenever a commit
 * leaves it over 1,000 pages: in a backlog that was every ~40th commit, inside it, on the
 * main thread, which also answers Slack (bench/backlog-throughput.ts: 4.1–4.5 s for 5,000
 * mails with those checkpoints, 3.8–3.9 s with none at all). Here the log's size is looked
 * at four times a second; once it holds more than CHECKPOINT_BYTES, a worker checkpoints it
 * on its own connection, without blocking the writer (PASSIVE). The connections' own
 * automatic checkpoint stays as a backstop at a larger log (driver.ts), for when the worker
 * falls behind (a backlog writes ~15 MiB a second) or fails.
 *
 * The worker is started when a checkpoint is due and let go after a quiet minute: a small
 * team's bot spends most of the day without one.
 */
import { stat } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../util/module-worker.js';
import type { CheckpointResult } from './checkpoint-worker.js';

/** How often the log's size is looked at. */
const LOOK_EVERY_MS = 250;
/** A log past this is checkpointed (SQLite's own default: 1,000 pages of 4 KiB). */
export const CHECKPOINT_BYTES = 4 * 1024 * 1024;
/** A worker with no checkpoint to make for this long is let go. */
const IDLE_WORKER_MS = 60_000;

export class WalCheckpoints {
  readonly #file: string;
  readonly #timer: NodeJS.Timeout;
  #worker: Worker | null = null;
  #idleSince = 0;
  #running = false;
  /** The log as it was when a checkpoint last copied all of it: no need to look again until it changes. */
  #settled: { size: number; mtimeMs: number } | null = null;
  #closed = false;

  constructor(file: string) {
    this.#file = file;
    this.#timer = setInterval(() => void this.#look(), LOOK_EVERY_MS);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#worker?.terminate();
    this.#worker = null;
  }

  async #look(): Promise<void> {
    if (this.#running || this.#closed) return;
    this.#running = true;
    try {
      const log = await stat(`${this.#file}-wal`).catch(() => null);
      const due =
        log !== null &&
        log.size > CHECKPOINT_BYTES &&
        !(this.#settled?.size === log.size && this.#settled.mtimeMs === log.mtimeMs);
      if (due) {
        const result = await this.#checkpoint();
        this.#settled =
          !result.busy && result.logFrames === result.checkpointedFrames
            ? { size: log.size, mtimeMs: log.mtimeMs }
            : null;
        this.#idleSince = Date.now();
      } else if (this.#worker && Date.now() - this.#idleSince > IDLE_WORKER_MS) {
        const worker = this.#worker;
        this.#worker = null;
        await worker.terminate();
      }
    } finally {
      this.#running = false;
    }
  }

  /** One checkpoint by the worker (started if need be); a failed or crashed worker is replaced next time. */
  #checkpoint(): Promise<CheckpointResult> {
    const worker = (this.#worker ??= startModuleWorker(import.meta.url, 'checkpoint-worker', {
      workerData: { file: this.#file },
    }));
    worker.unref();
    return new Promise<CheckpointResult>((resolve) => {
      const failed = (error: Error) => {
        if (this.#worker === worker) this.#worker = null;
        void worker.terminate();
        resolve({ busy: true, logFrames: -1, checkpointedFrames: -1, error: error.message });
      };
      const exited = () => failed(new Error('the checkpoint worker stopped'));
      worker.once('error', failed);
      worker.once('exit', exited);
      worker.once('message', (result: CheckpointResult) => {
        worker.off('error', failed);
        worker.off('exit', exited);
        resolve(result);
      });
      worker.postMessage('checkpoint');
    });
  }
}
