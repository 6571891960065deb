/** Worker thread entry of parse-pool.ts: parses the mails it is sent, one at a time. */
import { parentPort } from 'node:worker_threads';
import { parseMail } from './parse-mail.js';

const port = parentPort!;
port.on('message', async ({ id, raw, limits }) => {
  try {
    const mail = await parseMail(raw, limits);
    const transfer = mail.attachments.flatMap((attachment) => (attachment.content ? [attachment.content.buffer as ArrayBuffer] : []));
    port.postMessage({ id, ok: true, mail }, transfer);
  } catch (error) {
    port.postMessage({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
port.postMessage({ ready: true });
