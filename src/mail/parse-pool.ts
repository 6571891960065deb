/**
 * A small pool of worker threads that parse mail, so a 5 MB text part or a deep multipart
 * never blocks the event loop that answers Slack within its 3 seconds. A parse that hangs
 * is abandoned after a timeout and its worker replaced; a crashed worker is replaced too.
 *
 * Each worker is handed a few mails at once and parses them one after the other: with one
 * at a time it would sit idle from each answer until a busy main thread gets round to
 * sending the next mail (measured: idle 60% of a backlog).
 */
import os from 'node:os';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './parse-limits.js';
import type { ParsedMail } from '../domain/parsed-mail.js';
import { startModuleWorker } from '../util/module-worker.js';
import { servePulls } from '../util/pulled-parts.js';
import { isWhole, type RawSource } from '../util/raw-source.js';
import { ParseError, SourceUnreadableError } from '../errors.js';
import { COLLECT_AFTER_BYTES } from '../util/collect-garbage.js';

interface Job {
  id: number;
  /** A source read part by part is pulled by the worker (see pulled-parts.ts). */
  raw: Uint8Array | RawSource;
  /** The port a worker pulls this job's parts from (the reading end), while it is out. */
  port?: MessagePort;
  resolve(mail: ParsedMail): void;
  reject(error: ParseError | SourceUnreadableError): void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  /** Sent to the worker, in the order it parses them; the first is being parsed. */
  jobs: Job[];
  /** The first job's time limit. */
  timer?: NodeJS.Timeout;
  /** While it has nothing to do: when it is let go. */
  idleTimer?: NodeJS.Timeout;
  /** It was given a large mail: its heap holds that mail's garbage, so it goes as soon as it is idle. */
  large?: boolean;
}

/**
 * A worker with nothing to do for this long is let go, and started again for the next mail
 * (in ~50–100 ms): an idle worker holds ~10 MiB of the bot's memory (its own JavaScript
 * heap and mailparser), and a small support mailbox is idle most of the day.
 */
const IDLE_WORKER_MS = 60_000;

/**
 * A worker that parsed a mail this large is let go as soon as it has nothing to do: its
 * heap grew with the mail and a thread that goes idle does not collect it, so it would hold
 * tens of MiB while the mail's attachments are decoded again for Slack (measured with a
 * 25 MB attachment: peak 213 MiB kept, 196–200 MiB let go).
 */
const LARGE_MAIL_BYTES = COLLECT_AFTER_BYTES;

/**
 * Mails handed to one worker at a time: enough that it does not run dry while the main
 * thread is busy (a batch commit of 50 mails holds it ~20 ms, while a worker parses a
 * mail of the corpus in ~0.7 ms; with 16 it sat idle a third of a backlog). The ingest
 * queue's parse-ahead (count and bytes) bounds what is held.
 */
const JOBS_PER_WORKER = 64;

export interface ParsePoolOptions {
  size?: number;
  timeoutMs?: number;
  limits?: ParseLimits;
}

export class ParsePool {
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #size: number;
  readonly #timeoutMs: number;
  readonly #limits: ParseLimits;
  #nextId = 1;
  #closed = false;

  /**
   * One worker by default: each carries its own JavaScript heap (tens of MB), and on the
   * small machines Mailroom is meant for, parsing is rarely the bottleneck. Workers are
   * started when there is mail to parse and let go when idle (IDLE_WORKER_MS).
   */
  constructor({
    size = Math.max(1, Math.min(2, os.availableParallelism() - 2)),
    timeoutMs = 60_000,
    limits = DEFAULT_PARSE_LIMITS,
  }: ParsePoolOptions = {}) {
    this.#size = size;
    this.#timeoutMs = timeoutMs;
    this.#limits = limits;
  }

  /**
   * Parses a raw mail in a worker. Rejects with a ParseError; never throws synchronously.
   * A stored source larger than its head goes to the worker part by part; the bytes of a
   * whole one are copied, so if its worker is lost, the mail is simply parsed elsewhere.
   */
  parse(raw: Uint8Array | RawSource): Promise<ParsedMail> {
    if (this.#closed) return Promise.reject(new ParseError('parse pool is closed', 'pool_closed'));
    const input = raw instanceof Uint8Array || !isWhole(raw) ? raw : raw.head;
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, raw: input, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new ParseError('parse pool is closed', 'pool_closed'));
    await Promise.all(
      this.#slots.map((slot) => this.#retire(slot, new ParseError('parse pool is closed', 'pool_closed'))),
    );
  }

  #spawn(): Slot {
    const worker = startModuleWorker(import.meta.url, 'parse-worker');
    // An idle worker must not keep the process alive; a busy one must (see #dispatch).
    worker.unref();
    const slot: Slot = { worker, ready: Promise.resolve(), jobs: [] };
    slot.ready = new Promise<void>((resolve) => {
      const onReady = (message: { ready?: boolean }) => {
        if (message.ready) {
          worker.off('message', onReady);
          resolve();
        }
      };
      worker.on('message', onReady);
    });
    worker.on(
      'message',
      (message: { id?: number; ok?: boolean; mail?: ParsedMail; error?: string; unreadable?: boolean }) => {
        if (message.id === undefined || slot.jobs[0]?.id !== message.id) return;
        const job = slot.jobs.shift()!;
        job.port?.close();
        this.#startClock(slot);
        if (message.ok) job.resolve(message.mail!);
        else
          job.reject(
            message.unreadable
              ? new SourceUnreadableError(message.error ?? 'the source could not be read')
              : new ParseError(message.error ?? 'unknown parse error', 'parse_failed'),
          );
        this.#dispatch();
      },
    );
    worker.on('error', (error) =>
      this.#replace(slot, new ParseError(`parser crashed: ${error.message}`, 'parser_crashed')),
    );
    worker.on('exit', () => {
      if (!this.#closed && this.#slots.includes(slot))
        this.#replace(slot, new ParseError('parser exited', 'parser_crashed'));
    });
    return slot;
  }

  /** Times the job now first in line; a worker with nothing to do must not keep the process alive. */
  #startClock(slot: Slot): void {
    clearTimeout(slot.timer);
    clearTimeout(slot.idleTimer);
    slot.timer = undefined;
    slot.idleTimer = undefined;
    const job = slot.jobs[0];
    if (!job) {
      slot.worker.unref();
      slot.idleTimer = setTimeout(() => this.#letGo(slot), slot.large ? 0 : IDLE_WORKER_MS).unref();
      return;
    }
    slot.worker.ref();
    slot.timer = setTimeout(
      () => this.#replace(slot, new ParseError(`parsing took longer than ${this.#timeoutMs} ms`, 'parse_timeout')),
      this.#timeoutMs,
    );
  }

  /**
   * Stops a worker. The job it was parsing fails with the reason; the ones waiting behind
   * it did nothing wrong and go back to the front of the queue (unless the pool closes).
   */
  async #retire(slot: Slot, reason: ParseError): Promise<void> {
    const [current, ...waiting] = slot.jobs.splice(0);
    // Their parts are read no more (a port sent to a worker already gone never hears it close).
    for (const job of [current, ...waiting]) {
      job?.port?.close();
      if (job) job.port = undefined;
    }
    this.#startClock(slot);
    current?.reject(reason);
    if (reason.code === 'pool_closed') for (const job of waiting) job.reject(reason);
    else this.#queue.unshift(...waiting);
    await slot.worker.terminate();
  }

  /** A worker that failed: its jobs as #retire says; a new one is started if there is work. */
  #replace(slot: Slot, reason: ParseError): void {
    const index = this.#slots.indexOf(slot);
    if (index === -1) return;
    this.#slots.splice(index, 1);
    void this.#retire(slot, reason);
    if (!this.#closed) this.#dispatch();
  }

  /** An idle worker let go (IDLE_WORKER_MS). */
  #letGo(slot: Slot): void {
    const index = this.#slots.indexOf(slot);
    if (index === -1 || slot.jobs.length > 0) return;
    this.#slots.splice(index, 1);
    void slot.worker.terminate();
  }

  #dispatch(): void {
    // Workers are started for mail waiting: the first for any, more (up to the size) for a backlog.
    while (this.#slots.length < this.#size && this.#queue.length > (this.#slots.length === 0 ? 0 : 1))
      this.#slots.push(this.#spawn());
    // Spread over the workers first, then fill each one's line.
    for (let depth = 0; depth < JOBS_PER_WORKER; depth += 1) {
      for (const slot of this.#slots) {
        if (slot.jobs.length > depth || this.#queue.length === 0) continue;
        const job = this.#queue.shift()!;
        slot.jobs.push(job);
        if ((job.raw instanceof Uint8Array ? job.raw.byteLength : job.raw.size) >= LARGE_MAIL_BYTES) slot.large = true;
        if (slot.jobs.length === 1) this.#startClock(slot);
        void slot.ready.then(() => {
          if (!slot.jobs.includes(job)) return;
          if (!(job.raw instanceof Uint8Array)) {
            const { reader, source } = sendParts(job.raw);
            job.port = reader;
            return slot.worker.postMessage({ id: job.id, source, size: job.raw.size, limits: this.#limits }, [source]);
          }
          slot.worker.postMessage({ id: job.id, raw: job.raw, limits: this.#limits });
        });
      }
    }
  }
}

/**
 * The port a worker pulls a source's parts from (its other end read here, part by part).
 * The parts are read afresh each time, so a job whose worker died can be sent again.
 */
function sendParts(source: RawSource): { reader: MessagePort; source: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  servePulls(port1, source.parts());
  return { reader: port1, source: port2 };
}

/**
 * One attachment of a raw mail (the `index`th of ParsedMail.attachments), decoded as it is
 * read: a worker of its own parses the mail (pulling the source part by part) and fills two buffers with the attachment's bytes, each sent here and back
 * again: a chunk yielded is valid until the next one is asked for, then it is refilled.
 * So the file is never held whole in either thread, and uploading it leaves no garbage
 * behind (a new buffer per chunk would pile up here until a garbage collection: tens of
 * MiB). Its own worker, not the pool's: an upload can take longer than a parse may, and
 * new mail must not wait behind it. The worker ends with the iteration.
 */
export async function* attachmentChunks(raw: RawSource, index: number): AsyncGenerator<Uint8Array> {
  const worker = startModuleWorker(import.meta.url, 'parse-worker');
  const { port1: port, port2: out } = new MessageChannel();
  const inbox: DecodedMessage[] = [];
  let wake: (() => void) | undefined;
  const deliver = (message: DecodedMessage) => {
    inbox.push(message);
    wake?.();
  };
  port.on('message', deliver);
  worker.on('error', (error) => deliver({ error: `attachment decoder crashed: ${error.message}` }));
  worker.on('exit', () => deliver({ error: 'attachment decoder exited' }));
  let reader: MessagePort | undefined;
  worker.once('message', () => {
    const parts = sendParts(raw);
    reader = parts.reader;
    worker.postMessage({ source: parts.source, index, out }, [parts.source, out]);
  });
  try {
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const message = inbox.shift()!;
      if ('error' in message) throw new Error(message.error);
      if ('end' in message) return;
      yield new Uint8Array(message.buffer, 0, message.length);
      // Asked for the next chunk: this one has been used; back to the worker to refill.
      port.postMessage({ buffer: message.buffer }, [message.buffer]);
    }
  } finally {
    port.close();
    reader?.close();
    await worker.terminate();
  }
}

/** What the decoding worker sends (see parse-worker.ts). */
export type DecodedMessage = { buffer: ArrayBuffer; length: number } | { end: true } | { error: string };
