/**
 * A reply's bytes are stored as they are built, before the approval that queues them
 * (enqueue-reply.ts): on a real SQLite file and a real PostgreSQL database, a mail of
 * several parts reads back byte for byte, one the approval did not adopt is removed, and
 * one left behind by a stopped process is removed once it is old, never an adopted one.
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { rawMailStoreOf } from '../../src/db/client.js';
import { RAW_PART_BYTES } from '../../src/db/raw-mail-store.js';
import { readWhole } from '../../src/util/raw-source.js';
import { useScratchDatabase, useScratchSqlite, type ScratchWorld } from '../support/scratch-sqlite.js';
import { describeWithPostgres } from '../support/services.js';

describe('staged outgoing mail (SQLite)', () => stagedSuite(useScratchSqlite()));
describeWithPostgres('staged outgoing mail (PostgreSQL)', (adminUrl) =>
  stagedSuite(useScratchDatabase('postgresql', adminUrl)),
);

/** 2.5 parts of bytes, in chunks of an odd size as an encoder emits them. */
const bytes = Buffer.from(Array.from({ length: Math.floor(RAW_PART_BYTES * 2.5) }, (_, i) => (i * 31 + 7) % 251));
async function* chunks() {
  for (let offset = 0; offset < bytes.length; offset += 76_543) yield bytes.subarray(offset, offset + 76_543);
}

function stagedSuite(world: ScratchWorld) {
  let mailboxId: number;
  beforeEach(async () => {
    const mailbox = await world.db.mailbox.create({
      data: { key: `box-${Date.now()}-${Math.random()}`, address: 'support@example.com', name: 'S', channelId: 'C0S' },
    });
    mailboxId = mailbox.id;
  });
  const messageId = () => `reply-${Date.now()}-${Math.random()}@example.com`;

  it('stores a mail built in chunks in parts and reads it back byte for byte, with its size and hash', async () => {
    const store = rawMailStoreOf(world.db);
    const staged = await store.stageOutgoing({ mailboxId, messageId: messageId(), bytes: chunks() });
    expect(staged.size).toBe(bytes.length);
    expect(staged.contentHash).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await world.db.messageRawPart.count({ where: { messageRowId: staged.messageRowId } })).toBe(2);
    const source = await store.openRaw(staged.messageRowId);
    expect(Buffer.from(await readWhole(source!)).equals(bytes)).toBe(true);
    await store.discardStaged(staged.messageRowId);
  });

  it('removes a staged mail that was not adopted, and leaves an adopted one alone', async () => {
    const store = rawMailStoreOf(world.db);
    const dropped = await store.stageOutgoing({ mailboxId, messageId: messageId(), bytes: chunks() });
    const adopted = await store.stageOutgoing({ mailboxId, messageId: messageId(), bytes: chunks() });
    await world.db.message.update({ where: { id: adopted.messageRowId }, data: { parseState: 'parsed' } });
    await store.discardStaged(dropped.messageRowId);
    await store.discardStaged(adopted.messageRowId);
    expect(await world.db.message.findUnique({ where: { id: dropped.messageRowId } })).toBeNull();
    expect(await world.db.messageRawPart.count({ where: { messageRowId: dropped.messageRowId } })).toBe(0);
    expect(await world.db.messageRawPart.count({ where: { messageRowId: adopted.messageRowId } })).toBe(2);
  });

  it('removes staged mails left behind once they are older than the limit, and only those', async () => {
    const store = rawMailStoreOf(world.db);
    const left = await store.stageOutgoing({ mailboxId, messageId: messageId(), bytes: chunks() });
    const queued = await store.stageOutgoing({ mailboxId, messageId: messageId(), bytes: chunks() });
    await world.db.message.update({ where: { id: queued.messageRowId }, data: { parseState: 'parsed' } });
    expect(await store.discardStaleStaged(new Date(Date.now() - 60_000))).toBe(0);
    expect(await store.discardStaleStaged(new Date(Date.now() + 60_000))).toBe(1);
    expect(await world.db.message.findUnique({ where: { id: left.messageRowId } })).toBeNull();
    expect(await world.db.message.findUnique({ where: { id: queued.messageRowId } })).not.toBeNull();
  });
}
