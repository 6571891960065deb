/**
 * A stored raw mail as it is read back: its size, its first part (enough for the headers
 * of any reasonable mail) and the whole source part by part. A large mail is never read
 * into one buffer on its way to the parser or to an upload (see raw-mail-store.ts).
 */
import { DamagedSourceError } from '../errors.js';

export interface RawSource {
  /** Bytes in all. */
  size: number;
  /** The first part: the whole mail when it is small. */
  head: Uint8Array;
  /** The whole source, `head` first, one part at a time (each read when it is asked for). */
  parts(): AsyncIterable<Uint8Array>;
}

/** A source over bytes already in memory: all head. */
export function wholeSource(bytes: Uint8Array): RawSource {
  return {
    size: bytes.byteLength,
    head: bytes,
    async *parts() {
      yield bytes;
    },
  };
}

/** Whether the source is all in its head (then it is passed around as one buffer). */
export function isWhole(source: RawSource): boolean {
  return source.head.byteLength === source.size;
}

/** The whole source in one buffer of its own (for the rare reader that needs it whole). */
export async function readWhole(source: RawSource): Promise<Uint8Array> {
  if (isWhole(source)) return source.head;
  const whole = Buffer.allocUnsafeSlow(source.size);
  let offset = 0;
  for await (const part of source.parts()) {
    if (offset + part.byteLength > source.size)
      throw new DamagedSourceError('the stored raw source is longer than its recorded size');
    whole.set(part, offset);
    offset += part.byteLength;
  }
  if (offset !== source.size)
    throw new DamagedSourceError(`the stored raw source is ${offset} bytes, not ${source.size}`);
  return whole;
}
