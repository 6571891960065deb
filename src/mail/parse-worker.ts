/**
 * Worker thread entry of parse-pool.ts: parses the mails it is sent, one at a time, in
 * order; or, started for that alone, decodes one attachment into a port (see
 * streamAttachmentInWorker).
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { decodeAttachment, parseMail } from './parse-mail.js';
import type { ParseLimits } from './parse-limits.js';
import { ownBuffer } from '../util/own-buffer.js';

const port = parentPort!;

async function parseOne({ id, raw, limits }: { id: number; raw: Uint8Array; limits: ParseLimits }): Promise<void> {
  try {
    const mail = await parseMail(raw, limits);
    const transfer = mail.attachments.flatMap((attachment) => (attachment.content ? [attachment.content.buffer as ArrayBuffer] : []));
    port.postMessage({ id, ok: true, mail }, transfer);
  } catch (error) {
    port.postMessage({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Sends the attachment's chunks into `out` one at a time, each when the other side asks
 * for more: what is decoded but not yet uploaded stays a chunk or two.
 */
async function decodeInto({ raw, index, out }: { raw: Uint8Array; index: number; out: MessagePort }): Promise<void> {
  let more: (() => void) | undefined;
  out.on('message', () => more?.());
  try {
    const size = await decodeAttachment(raw, index, (chunk) => {
      const own = ownBuffer(chunk);
      const asked = new Promise<void>((resolve) => (more = resolve));
      out.postMessage({ chunk: own }, [own.buffer]);
      return asked;
    });
    out.postMessage(size === null ? { error: `the mail has no attachment ${index + 1}` } : { end: true });
  } catch (error) {
    out.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
  out.close();
}

// The pool sends a few mails ahead; they are parsed one after the other, in order, so the
// pool's time limit always runs for the mail actually being parsed.
let previous = Promise.resolve();
port.on('message', (job: { id: number; raw: Uint8Array; limits: ParseLimits } | { raw: Uint8Array; index: number; out: MessagePort }) => {
  if ('out' in job) void decodeInto(job);
  else previous = previous.then(() => parseOne(job));
});
port.postMessage({ ready: true });
