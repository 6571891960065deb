// Worker thread entry of parse-pool.ts. Plain JavaScript only so that it can register the
// TypeScript loader (tsx) before importing parse-mail.ts: a worker does not inherit the
// loader of the thread that started it in every setting (tests, `npm start`).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { parseMail } = await import('./parse-mail.ts');

async function parseOne({ id, raw, limits }) {
  try {
    const mail = await parseMail(raw, limits);
    const transfer = mail.attachments.flatMap((attachment) => (attachment.content ? [attachment.content.buffer] : []));
    parentPort.postMessage({ id, ok: true, mail }, transfer);
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
}

// The pool sends a few mails ahead; they are parsed one after the other, in order, so the
// pool's time limit always runs for the mail actually being parsed.
let previous = Promise.resolve();
parentPort.on('message', (job) => {
  previous = previous.then(() => parseOne(job));
});
parentPort.postMessage({ ready: true });
