/**
 * The bytes in an ArrayBuffer of their own (copied only when they are not), so that moving
 * that buffer to another thread moves nothing else: a small Buffer is often a slice of
 * Node's shared pool, which must not be detached.
 */
export function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const alone =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return alone ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
