/**
 * Bytes that arrive in chunks of any size (a stream being built) regrouped into parts of
 * one size, the last one shorter: the shape a raw source is stored in (raw-mail-store.ts).
 * Always at least one part, empty for an empty source, as a stored source has a head.
 */
export async function* inPartsOf(size: number, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let part = Buffer.allocUnsafeSlow(size);
  let filled = 0;
  let yielded = false;
  for await (const chunk of chunks) {
    for (let offset = 0; offset < chunk.byteLength; ) {
      const taken = Math.min(size - filled, chunk.byteLength - offset);
      part.set(chunk.subarray(offset, offset + taken), filled);
      filled += taken;
      offset += taken;
      if (filled === size) {
        yield part;
        yielded = true;
        part = Buffer.allocUnsafeSlow(size);
        filled = 0;
      }
    }
  }
  if (filled > 0 || !yielded) yield part.subarray(0, filled);
}
