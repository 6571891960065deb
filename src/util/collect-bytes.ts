/**
 * Bytes that arrive in chunks (an IMAP download, a file decoded for a forward) into one buffer
 * of the size they are said to have, each chunk copied in as it comes: held once, not as
 * pieces and then again joined (a chunk may also be valid only until the next is asked for).
 * A source that sends more than it said costs a copy, not the bytes; one that sends less is
 * returned as it is. (raw-source.ts `readWhole` is the strict reader: a stored source must be
 * exactly its size.)
 */
export async function collectBytes(
  size: number,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<Buffer> {
  let whole = Buffer.allocUnsafeSlow(size);
  let filled = 0;
  for await (const chunk of chunks) {
    if (filled + chunk.byteLength > whole.byteLength)
      whole = Buffer.concat([whole.subarray(0, filled)], Math.max(filled + chunk.byteLength, whole.byteLength * 2));
    whole.set(chunk, filled);
    filled += chunk.byteLength;
  }
  return filled === whole.byteLength ? whole : whole.subarray(0, filled);
}
