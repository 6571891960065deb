/**
 * A small pool of worker threads that parse mail, so a 5 MB text part or a deep multipart
 * never blocks the event loop that answers Slack within its 3 seconds. A parse that hangs
 * is abandoned after a timeout and its worker replaced; a crashed worker is replaced too.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './parse-limits.js';
import type { ParsedMail } from './parsed-mail.js';
import { startModuleWorker } from '../util/module-worker.js';
import { ownBuffer } from '../util/own-buffer.js';

export class ParseError extends Error {
  constructor(message: string, readonly code: 'parse_failed' | 'parse_timeout' | 'parser_crashed' | 'pool_closed') {
    super(message);
  }
}

export interface ParseOptions {
  /** Other limits than the pool's, e.g. to get a large attachment's content back. */
  limits?: ParseLimits;
  /**
   * Move the bytes to the worker instead of copying them: `raw` is unusable afterwards (its
   * buffer detached). For a 34 MiB mail, one copy fewer held at once.
   */
  handOver?: boolean;
}

interface Job {
  id: number;
  raw: Uint8Array;
  limits: ParseLimits;
  handOver: boolean;
  resolve(mail: ParsedMail): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  job?: Job;
  timer?: NodeJS.Timeout;
}

export interface ParsePoolOptions {
  size?: number;
  timeoutMs?: number;
  limits?: ParseLimits;
}

export class ParsePool {
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #timeoutMs: number;
  readonly #limits: ParseLimits;
  #nextId = 1;
  #closed = false;

  /**
   * One worker by default: each carries its own JavaScript heap (tens of MB), and on the
   * small machines Mailroom is meant for, parsing is rarely the bottleneck.
   */
  constructor({ size = Math.max(1, Math.min(2, os.availableParallelism() - 2)), timeoutMs = 60_000, limits = DEFAULT_PARSE_LIMITS }: ParsePoolOptions = {}) {
    this.#timeoutMs = timeoutMs;
    this.#limits = limits;
    for (let i = 0; i < size; i += 1) this.#slots.push(this.#spawn());
  }

  /** Parses a raw mail in a worker. Rejects with a ParseError; never throws synchronously. */
  parse(raw: Uint8Array, { limits = this.#limits, handOver = false }: ParseOptions = {}): Promise<ParsedMail> {
    if (this.#closed) return Promise.reject(new ParseError('parse pool is closed', 'pool_closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, raw, limits, handOver, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new ParseError('parse pool is closed', 'pool_closed'));
    await Promise.all(this.#slots.map((slot) => this.#retire(slot, new ParseError('parse pool is closed', 'pool_closed'))));
  }

  #spawn(): Slot {
    const worker = startModuleWorker(import.meta.url, 'parse-worker');
    // An idle worker must not keep the process alive; a busy one must (see #dispatch).
    worker.unref();
    const slot: Slot = { worker, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve) => {
      const onReady = (message: { ready?: boolean }) => {
        if (message.ready) {
          worker.off('message', onReady);
          resolve();
        }
      };
      worker.on('message', onReady);
    });
    worker.on('message', (message: { id?: number; ok?: boolean; mail?: ParsedMail; error?: string }) => {
      if (message.id === undefined || slot.job?.id !== message.id) return;
      const job = slot.job;
      this.#finish(slot);
      if (message.ok) job.resolve(message.mail!);
      else job.reject(new ParseError(message.error ?? 'unknown parse error', 'parse_failed'));
      this.#dispatch();
    });
    worker.on('error', (error) => this.#replace(slot, new ParseError(`parser crashed: ${error.message}`, 'parser_crashed')));
    worker.on('exit', () => {
      if (!this.#closed && this.#slots.includes(slot)) this.#replace(slot, new ParseError('parser exited', 'parser_crashed'));
    });
    return slot;
  }

  #finish(slot: Slot): void {
    slot.worker.unref();
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
  }

  async #retire(slot: Slot, reason: ParseError): Promise<void> {
    const job = slot.job;
    this.#finish(slot);
    job?.reject(reason);
    await slot.worker.terminate();
  }

  #replace(slot: Slot, reason: ParseError): void {
    const index = this.#slots.indexOf(slot);
    if (index === -1) return;
    this.#slots.splice(index, 1);
    void this.#retire(slot, reason);
    if (!this.#closed) {
      this.#slots.push(this.#spawn());
      this.#dispatch();
    }
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.job || this.#queue.length === 0) continue;
      const job = this.#queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.timer = setTimeout(
        () => this.#replace(slot, new ParseError(`parsing took longer than ${this.#timeoutMs} ms`, 'parse_timeout')),
        this.#timeoutMs,
      );
      void slot.ready.then(() => {
        if (slot.job !== job) return;
        if (!job.handOver) return slot.worker.postMessage({ id: job.id, raw: job.raw, limits: job.limits });
        const raw = ownBuffer(job.raw);
        slot.worker.postMessage({ id: job.id, raw, limits: job.limits }, [raw.buffer]);
      });
    }
  }
}
