/**
 * The parse pool with stored sources read part by part (a large mail): the worker pulls
 * the parts, and whatever goes wrong — the mail, the database, the worker — the job ends
 * with the right kind of error, the reading stops, and other mails are not harmed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ParsePool } from '../../src/mail/parse-pool.js';
import type { SourceUnreadableError } from '../../src/errors.js';
import type { RawSource } from '../../src/util/raw-source.js';

const PART = 1024 * 1024;

/** A source over `raw` in 1 MiB parts; `trouble` may stall or fail the reading of part `seq`. */
function sourceOf(raw: Buffer, trouble?: (seq: number) => Promise<void>) {
  const state = { readingStopped: false };
  const source: RawSource = {
    size: raw.length,
    head: raw.subarray(0, PART),
    async *parts() {
      try {
        for (let offset = 0, seq = 0; offset < raw.length; offset += PART, seq += 1) {
          await trouble?.(seq);
          yield Buffer.from(raw.subarray(offset, offset + PART));
        }
      } finally {
        state.readingStopped = true;
      }
    },
  };
  return { source, state };
}

const small = Buffer.from('From: a@example.jp\r\nSubject: small\r\nMessage-ID: <small@x>\r\n\r\nhello\r\n');

function bigMail(parts: number, partBytes: number): Buffer {
  const body = Array.from(
    { length: parts },
    (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\n${String(i).padEnd(partBytes, '.')}\r\n`,
  ).join('');
  return Buffer.from(
    `From: big@example.jp\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${body}--b--\r\n`,
  );
}

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let pool: ParsePool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('parsing a source read part by part', () => {
  it('parses a large mail from its parts', async () => {
    pool = new ParsePool({ size: 1 });
    const attachment = Buffer.alloc(3_000_000, 7);
    const raw = Buffer.from(
      `From: big@example.jp\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n本文です\r\n--b\r\nContent-Type: application/octet-stream; name="d.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n--b--\r\n`,
    );
    const { source, state } = sourceOf(raw);
    const mail = await pool.parse(source);
    expect([mail.subject, mail.text.trim()]).toEqual(['big', '本文です']);
    expect(mail.attachments.map((a) => [a.filename, a.size])).toEqual([['d.bin', attachment.length]]);
    expect(state.readingStopped).toBe(true);
  });

  it('fails a mail mailparser gives up on (too many MIME parts) and stops reading it, without hanging', async () => {
    pool = new ParsePool({ size: 1 });
    const { source, state } = sourceOf(bigMail(1_200, 2_000));
    await expect(pool.parse(source)).rejects.toMatchObject({ code: 'parse_failed' });
    await until(() => state.readingStopped);
    // The worker goes on with the next mail.
    expect((await pool.parse(small)).subject).toBe('small');
  });

  it('tells a source that could not be read (the database) from a bad mail', async () => {
    pool = new ParsePool({ size: 1 });
    const { source } = sourceOf(bigMail(30, 100_000), async (seq) => {
      if (seq === 2) throw new Error('connection reset');
    });
    const error = (await pool.parse(source).catch((caught: SourceUnreadableError) => caught)) as SourceUnreadableError;
    expect(error.code).toBe('source_unreadable');
    expect(error.message).toContain('connection reset');
  });

  it('fails a mail that stalls past the time limit, and parses the mails behind it elsewhere', async () => {
    // Long enough for a new worker to start on a busy machine (the clock runs from dispatch).
    pool = new ParsePool({ size: 1, timeoutMs: 5_000 });
    // A read that never returns (a database that hangs) cannot be called off; what matters
    // is that the mail fails with the time limit and the ones behind it do not.
    const { source } = sourceOf(bigMail(30, 100_000), (seq) => (seq === 1 ? new Promise(() => {}) : Promise.resolve()));
    const stalled = pool.parse(source);
    const behind = pool.parse(small);
    await expect(stalled).rejects.toMatchObject({ code: 'parse_timeout' });
    expect((await behind).subject).toBe('small');
  });
});
