/**
 * Bytes sent to a worker thread part by part, as it asks for them: the worker pulls the
 * next part once it has used the last, so a large mail crosses over a MiB at a time and
 * never piles up on either side. Each part's buffer is moved, not copied.
 */
import type { MessagePort } from 'node:worker_threads';
import { SourceUnreadableError } from '../errors.js';
import { ownBuffer } from './own-buffer.js';

/** `permanent`: the error says the bytes themselves are bad (reading again will not help). */
type PartMessage = { part: Uint8Array } | { end: true } | { error: string; permanent: boolean };

function isPermanent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true;
}

/** Main side: answers each pull on `port` with the next part of `parts`; closes the port at the end. */
export function servePulls(port: MessagePort, parts: AsyncIterable<Uint8Array>): void {
  const iterator = parts[Symbol.asyncIterator]();
  const finish = (message: PartMessage) => {
    port.postMessage(message);
    port.close();
  };
  port.on('message', () => {
    iterator.next().then(
      (next) => {
        if (next.done) return finish({ end: true });
        const part = ownBuffer(next.value);
        port.postMessage({ part } satisfies PartMessage, [part.buffer]);
      },
      (error: unknown) =>
        finish({ error: error instanceof Error ? error.message : String(error), permanent: isPermanent(error) }),
    );
  });
  // The worker gone (its end of the port closed): stop reading.
  port.once('close', () => void iterator.return?.());
}

/** Worker side: the parts, each asked for when the previous one has been used. */
export async function* pullParts(port: MessagePort): AsyncGenerator<Buffer> {
  try {
    for (;;) {
      const answer = new Promise<PartMessage>((resolve) => port.once('message', resolve));
      port.postMessage({ pull: true });
      const message = await answer;
      if ('error' in message) {
        const text = `reading the mail failed: ${message.error}`;
        throw message.permanent ? new Error(text) : new SourceUnreadableError(text);
      }
      if ('end' in message) return;
      yield Buffer.from(message.part.buffer, message.part.byteOffset, message.part.byteLength);
    }
  } finally {
    port.close();
  }
}
