/** Worker thread entry of parse-pool.ts: parses the mails it is sent, one at a time, in order. */
import { parentPort } from 'node:worker_threads';
import { parseMail } from './parse-mail.js';
import type { ParseLimits } from './parse-limits.js';

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

// The pool sends a few mails ahead; they are parsed one after the other, in order, so the
// pool's time limit always runs for the mail actually being parsed.
let previous = Promise.resolve();
port.on('message', (job: { id: number; raw: Uint8Array; limits: ParseLimits }) => {
  previous = previous.then(() => parseOne(job));
});
port.postMessage({ ready: true });
