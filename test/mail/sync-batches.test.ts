import { describe, expect, it } from 'vitest';
import { batchBySize, cursorBelow } from '../../src/services/ingest/sync-mailbox.js';
import { cleanMessageId } from '../../src/domain/message-id.js';

describe('fetch batches', () => {
  it('hold at most 100 mails and 16 MB, a bigger mail alone', () => {
    const uids = Array.from({ length: 225 }, (_, i) => i + 1);
    const small = new Map(uids.map((uid) => [uid, 10_000]));
    expect(batchBySize(uids, small).map((batch) => batch.length)).toEqual([100, 100, 25]);
    // 16 MB of mid-sized mail ends a batch before its 100 mails.
    const midsized = new Map(uids.map((uid) => [uid, 1_000_000]));
    expect(batchBySize(uids, midsized)[0]).toHaveLength(16);
    const mixed = new Map(uids.map((uid) => [uid, uid === 3 ? 30 * 2 ** 20 : uid === 4 ? 10 * 2 ** 20 : 1_000]));
    const batches = batchBySize(uids.slice(0, 6), mixed);
    expect(batches).toEqual([[1, 2], [3], [4, 5, 6]]);
  });
});

describe('Message-IDs for the database', () => {
  it('drop brackets and NULs, and hash what no real mail would carry', () => {
    expect(cleanMessageId('<a@b>')).toBe('a@b');
    expect(cleanMessageId('<a\u0000@b>')).toBe('a@b');
    expect(cleanMessageId(`<${'x'.repeat(5000)}@evil>`)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(cleanMessageId('  ')).toBeNull();
  });
});

describe('cursorBelow (the first start of a mailbox with a backfill)', () => {
  it('starts below the oldest mail to take, for a mailbox of a million UIDs without overflowing the stack', () => {
    const uids = Array.from({ length: 1_000_000 }, (_, i) => 1_000_000 - i + 41);
    expect(cursorBelow(uids, 2_000_000)).toBe(41n);
  });

  it('starts below UIDNEXT when there is nothing to take', () => {
    expect(cursorBelow([], 501)).toBe(500n);
  });
});
