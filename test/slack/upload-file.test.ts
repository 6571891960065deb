/**
 * The upload step of files upload v2 against a local HTTP server: the bytes arrive with
 * their length announced, and an upload whose bytes stop coming is given up (its source
 * stopped) instead of waiting for ever.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile } from '../../src/slack-api/upload-file.js';

let server: http.Server;
let url: string;
const received: { length: string | undefined; bytes: number }[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let bytes = 0;
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      received.push({ length: request.headers['content-length'], bytes });
      response.end('OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('uploadFile', () => {
  it('sends every chunk, its length announced', async () => {
    async function* chunks() {
      for (let i = 0; i < 4; i += 1) yield Buffer.alloc(100_000, i);
    }
    await uploadFile(url, 400_000, chunks());
    expect(received.at(-1)).toEqual({ length: '400000', bytes: 400_000 });
  });

  it('gives up when the bytes stop coming, and stops their source', async () => {
    let stopped = false;
    async function* stalling() {
      try {
        yield Buffer.alloc(1000);
        // The next chunk never comes (a decoder waiting on a database that hangs) until
        // the upload gives up and asks the source to stop.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        yield Buffer.alloc(1000);
      } finally {
        stopped = true;
      }
    }
    const started = Date.now();
    await expect(uploadFile(url, 2000, stalling(), 300)).rejects.toThrow('stalled');
    expect(Date.now() - started).toBeLessThan(1_500);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    expect(stopped).toBe(true);
  });
});
