/**
 * Mail from files for `npm run import`: a single .eml file, or an mbox (mboxo/mboxrd: mails
 * separated by "From " lines, ">From " unescaped). Read in chunks, so a mailbox export of
 * several gigabytes does not have to fit in memory.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const FROM_LINE = Buffer.from('\nFrom ');

export async function isMbox(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(5), 0, 5, 0);
    return bytesRead === 5 && buffer.toString('latin1') === 'From ';
  } finally {
    await handle.close();
  }
}

/** Removes the "From " separator line and undoes ">From " quoting of one mbox entry. */
function mboxEntryToMail(entry: Buffer): Buffer {
  const firstBreak = entry.indexOf(0x0a);
  const body = firstBreak === -1 ? Buffer.alloc(0) : entry.subarray(firstBreak + 1);
  return Buffer.from(body.toString('latin1').replace(/^>(>*From )/gm, '$1'), 'latin1');
}

/** Yields every mail of an mbox file, in order. */
export async function* readMbox(file: string): AsyncGenerator<Buffer> {
  let pending = Buffer.alloc(0);
  for await (const chunk of createReadStream(file)) {
    pending = Buffer.concat([pending, chunk as Buffer]);
    let cut = pending.indexOf(FROM_LINE, 1);
    while (cut !== -1) {
      yield mboxEntryToMail(pending.subarray(0, cut + 1));
      pending = pending.subarray(cut + 1);
      cut = pending.indexOf(FROM_LINE, 1);
    }
  }
  if (pending.length > 0) yield mboxEntryToMail(pending);
}
