/**
 * A full garbage collection, on request. For after a big mail only: its buffers (34 MiB
 * each for a 25 MB attachment: the fetched source, the parse's copy, the decoded lines)
 * are garbage as soon as the step is done, but V8 frees an ArrayBuffer's memory only when
 * a collection finds it unreachable, and a thread that then goes idle (the parse worker
 * between mails, the main thread waiting for IMAP) runs none: measured, the bot stayed
 * ~150 MiB above its idle size after such a mail, and the next step's buffers came on top.
 * A full collection of this small heap takes a few milliseconds.
 *
 * `--expose-gc` is set here rather than on the command line so that the bot behaves the
 * same however it is started; `gc` is then available in any context created afterwards.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

/** Mails (or batches) from this size on are followed by a collection. */
export const COLLECT_AFTER_BYTES = 8 * 1024 * 1024;

export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}
