/**
 * The upload step of Slack's files upload v2: the file's bytes POSTed to the URL that
 * files.getUploadURLExternal gave. Streamed with its length announced (Slack checks it
 * against the length given for the URL), so a 25 MB attachment is never held whole: it is
 * sent as it is decoded. node:http rather than fetch, which would send a stream chunked.
 */
import http from 'node:http';
import https from 'node:https';
import type { WebClient } from '@slack/web-api';

/** How long the upload may stall (no bytes going either way) before it is given up. */
const STALL_MS = 60_000;

/**
 * POSTs `length` bytes from `chunks`, each written out before the next is asked for (so a
 * chunk's buffer may be reused once the next is asked for: see attachmentChunks).
 */
export async function uploadFile(
  url: string,
  length: number,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  stallMs = STALL_MS,
): Promise<void> {
  const target = new URL(url);
  const request = (target.protocol === 'https:' ? https : http).request(target, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(length) },
    timeout: stallMs,
  });
  // Fewer or more bytes than announced fail the upload instead of being sent (Node 18.10+;
  // missing from the type definitions).
  (request as http.ClientRequest & { strictContentLength: boolean }).strictContentLength = true;
  request.once('timeout', () => request.destroy(new Error(`file upload stalled for ${stallMs / 1000} s`)));
  const failed = new Promise<never>((_, reject) => request.once('error', reject));
  const answered = new Promise<http.IncomingMessage>((resolve) => request.once('response', resolve));
  // The request may fail before anything waits on it.
  failed.catch(() => {});
  const write = (chunk: Uint8Array) =>
    new Promise<void>((resolve, reject) => request.write(chunk, (error) => (error ? reject(error) : resolve())));
  // Waiting for the next chunk races the request too: a stalled upload (the timeout above)
  // must end the upload even while the bytes themselves are slow to come (a decoding
  // worker waiting on the database).
  const iterator = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), failed]);
      if (next.done) break;
      await Promise.race([write(next.value), failed]);
    }
    request.end();
    const response = await Promise.race([answered, failed]);
    response.resume();
    if (response.statusCode === undefined || response.statusCode < 200 || response.statusCode >= 300) {
      throw Object.assign(new Error(`file upload answered ${response.statusCode}`), { code: 'upload_failed' });
    }
  } catch (error) {
    request.destroy();
    // Stop the source (its worker, its reading) without waiting for it.
    void Promise.resolve(iterator.return?.()).catch(() => {});
    throw error;
  }
}

/**
 * The first two steps of files upload v2: an upload URL for the file, then its bytes.
 * Returns the file's id, for files.completeUploadExternal (which shares it, or not).
 */
export async function uploadToSlack(
  client: WebClient,
  filename: string,
  length: number,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<string> {
  const target = await client.files.getUploadURLExternal({ filename, length });
  await uploadFile(target.upload_url!, length, chunks);
  return target.file_id!;
}
