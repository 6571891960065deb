/**
 * The upload step of Slack's files upload v2: the file's bytes POSTed to the URL that
 * files.getUploadURLExternal gave. Streamed with its length announced (Slack checks it
 * against the length given for the URL), so a 25 MB attachment is never held whole: it is
 * sent as it is decoded. node:http rather than fetch, which would send a stream chunked.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** How long the upload may stall (no bytes going either way) before it is given up. */
const STALL_MS = 60_000;

export async function uploadFile(url: string, length: number, body: Readable): Promise<void> {
  const target = new URL(url);
  const request = (target.protocol === 'https:' ? https : http).request(target, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(length) },
    timeout: STALL_MS,
  });
  // Fewer or more bytes than announced fail the upload instead of being sent (Node 18.10+;
  // missing from the type definitions).
  (request as http.ClientRequest & { strictContentLength: boolean }).strictContentLength = true;
  request.once('timeout', () => request.destroy(new Error(`file upload stalled for ${STALL_MS / 1000} s`)));
  const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  await Promise.all([pipeline(body, request), answered]).catch((error: Error) => {
    body.destroy();
    request.destroy();
    throw error;
  });
  const response = await answered;
  response.resume();
  if (response.statusCode === undefined || response.statusCode < 200 || response.statusCode >= 300) {
    throw Object.assign(new Error(`file upload answered ${response.statusCode}`), { code: 'upload_failed' });
  }
}
