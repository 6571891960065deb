/** Chunks into one buffer of the size they were said to have, whatever size they turn out to be. */
import { expect, it } from 'vitest';
import { collectBytes } from '../../src/util/collect-bytes.js';

const chunks = (...texts: string[]) => texts.map((text) => Buffer.from(text));

it('gathers chunks into one buffer, copied (a chunk reused after it was read changes nothing)', async () => {
  const reused = Buffer.from('abc');
  async function* again() {
    yield reused;
    reused.write('def');
    yield reused;
  }
  expect((await collectBytes(6, again())).toString()).toBe('abcdef');
});

it('keeps every byte when more come than were said, and no stale bytes when fewer do', async () => {
  expect((await collectBytes(4, chunks('abc', 'def', 'ghijk'))).toString()).toBe('abcdefghijk');
  const short = await collectBytes(10, chunks('abc'));
  expect(short.toString()).toBe('abc');
  expect(short.byteLength).toBe(3);
  expect((await collectBytes(0, chunks())).byteLength).toBe(0);
});
