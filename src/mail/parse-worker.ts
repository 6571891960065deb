/**
 * Worker thread entry of parse-pool.ts: parses the mails it is sent, one at a time, in
 * order; or, started for that alone, decodes one attachment into a port (see
 * attachmentChunks).
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { decodeAttachment, parseMail, type RawInput } from './parse-mail.js';
import type { ParseLimits } from './parse-limits.js';
import { collectGarbage, COLLECT_AFTER_BYTES } from '../util/collect-garbage.js';
import type { DecodedMessage } from './parse-pool.js';
import { SourceUnreadableError } from '../errors.js';
import { pullParts } from '../util/pulled-parts.js';

const port = parentPort!;

// Errors leave this thread as their message alone (parseOne, decodeInto), so their stack
// is never read; and mailparser makes one it then drops for each mail it ends (Node's
// "stream already finished" from a second end()): capturing stacks was ~1 % of a backlog's
// parse time.
Error.stackTraceLimit = 0;

/** A mail as the pool sends it: whole, or a port to pull a large one's parts from. */
type SourceOf = { raw: Uint8Array } | { source: MessagePort; size: number };

function inputOf(job: SourceOf): RawInput {
  return 'raw' in job ? job.raw : collectingAsRead(pullParts(job.source));
}

/** Source read between two garbage collections while a large mail goes through (see below). */
const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;

/**
 * A large mail's parts, with a full garbage collection after every COLLECT_EVERY_BYTES of
 * them. mailparser makes garbage of about the mail's size as it goes (lines, decoded
 * pieces, each part once used), mostly buffers, which V8 counts lightly: measured with a
 * 25 MB attachment (bench/attachment-rss.ts), a worker grew by ~40 MiB while it read the
 * mail, once to parse it and again to decode the file for Slack, and the bot's peak with it
 * (197–202 MiB). Collected as it goes, the worker stays within a few MiB: peak 186–193 MiB,
 * the file in Slack ~0.5 s later (every 2 MiB: no lower, ~1 s later).
 */
async function* collectingAsRead(parts: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let read = 0;
  for await (const part of parts) {
    yield part;
    read += part.byteLength;
    if (read >= COLLECT_EVERY_BYTES) {
      read = 0;
      collectGarbage();
    }
  }
}

function sizeOf(job: SourceOf): number {
  return 'raw' in job ? job.raw.byteLength : job.size;
}

async function parseOne(job: { id: number; limits: ParseLimits } & SourceOf): Promise<void> {
  const { id, limits } = job;
  try {
    const mail = await parseMail(inputOf(job), limits);
    const transfer = mail.attachments.flatMap((attachment) =>
      attachment.content ? [attachment.content.buffer as ArrayBuffer] : [],
    );
    port.postMessage({ id, ok: true, mail }, transfer);
  } catch (error) {
    port.postMessage({
      id,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
      unreadable: error instanceof SourceUnreadableError,
    });
  }
  // Once this job (and the source it holds) is let go of: see collect-garbage.ts.
  if (sizeOf(job) >= COLLECT_AFTER_BYTES) setImmediate(collectGarbage);
}

/** The buffers the attachment's bytes are sent in, and their size. */
const DECODE_BUFFERS = 2;
const DECODE_BUFFER_BYTES = 256 * 1024;

/**
 * Sends the attachment's bytes into `out` in DECODE_BUFFERS buffers that go back and
 * forth: each is filled, sent, and refilled once it comes back; with both away, decoding
 * waits. Ends with `{ end }` or `{ error }` (see attachmentChunks).
 */
async function decodeInto(job: { index: number; out: MessagePort } & SourceOf): Promise<void> {
  const { index, out } = job;
  const free = Array.from({ length: DECODE_BUFFERS }, () => new ArrayBuffer(DECODE_BUFFER_BYTES));
  let returned: (() => void) | undefined;
  out.on('message', ({ buffer }: { buffer: ArrayBuffer }) => {
    free.push(buffer);
    returned?.();
  });
  let current: Uint8Array<ArrayBuffer> | null = null;
  let filled = 0;
  const send = () => {
    const message: DecodedMessage = { buffer: current!.buffer, length: filled };
    out.postMessage(message, [current!.buffer]);
    current = null;
    filled = 0;
  };
  try {
    const size = await decodeAttachment(inputOf(job), index, async (chunk) => {
      for (let offset = 0; offset < chunk.length; ) {
        while (!current && free.length === 0) await new Promise<void>((resolve) => (returned = resolve));
        current ??= new Uint8Array(free.shift()!);
        const taken = Math.min(chunk.length - offset, current.length - filled);
        current.set(chunk.subarray(offset, offset + taken), filled);
        filled += taken;
        offset += taken;
        if (filled === current.length) send();
      }
    });
    if (current) send();
    out.postMessage(size === null ? { error: `the mail has no attachment ${index + 1}` } : { end: true });
  } catch (error) {
    out.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
  out.close();
}

// The pool sends a few mails ahead; they are parsed one after the other, in order, so the
// pool's time limit always runs for the mail actually being parsed.
let previous = Promise.resolve();
port.on('message', (job: ({ id: number; limits: ParseLimits } | { index: number; out: MessagePort }) & SourceOf) => {
  if ('out' in job) void decodeInto(job);
  else previous = previous.then(() => parseOne(job));
});
port.postMessage({ ready: true });
