import { afterEach, describe, expect, it } from 'vitest';
import { createDbClient } from '../../src/db/client.js';
import {
  applyMigrations,
  diffDatabaseToSchema,
  migrationsUpToDate,
  pendingMigrations,
  readMigrationList,
} from '../../src/db/migrations.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import { DATABASE_PROVIDERS, type DatabaseProvider } from '../../src/db/schema-source.js';
import { describeWithPostgres } from '../support/services.js';

const scratches: ScratchDatabase[] = [];
afterEach(async () => {
  await Promise.all(scratches.splice(0).map((scratch) => scratch.drop()));
});

async function scratch(provider: DatabaseProvider, adminUrl?: string): Promise<ScratchDatabase> {
  const database = await createScratchDatabase(provider, adminUrl);
  scratches.push(database);
  return database;
}

function migrationsBehaveOn(provider: DatabaseProvider, adminUrl?: string): void {
  it(`applies every migration to an empty ${provider} database, and a second run is a no-op`, async () => {
    const { target } = await scratch(provider, adminUrl);
    const all = readMigrationList(provider).migrationDirectories.map((dir) => dir.path);
    expect(all.length).toBeGreaterThan(0);
    expect(await pendingMigrations(target)).toEqual(all);
    expect(await applyMigrations(target)).toEqual(all);
    expect(await applyMigrations(target)).toEqual([]);
    expect(await pendingMigrations(target)).toEqual([]);
  });

  it(`on ${provider}, starts skip the engine only when every migration is recorded as applied, unedited`, async () => {
    const { target } = await scratch(provider, adminUrl);
    const list = readMigrationList(provider);
    expect(await migrationsUpToDate(target, list)).toBe(false);
    await applyMigrations(target, {
      ...list,
      migrationDirectories: list.migrationDirectories.slice(0, -1),
    });
    expect(await migrationsUpToDate(target, list)).toBe(false);
    await applyMigrations(target);
    expect(await migrationsUpToDate(target, list)).toBe(true);
    // A committed migration edited after it was applied: the engine must look at it.
    const [first, ...rest] = list.migrationDirectories;
    const edited = {
      ...first!,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: '-- edited\n' } },
    };
    expect(await migrationsUpToDate(target, { ...list, migrationDirectories: [edited, ...rest] })).toBe(false);
  });

  it(`leaves a ${provider} database that the client can use, IMAP-sized numbers included`, async () => {
    const { target } = await scratch(provider, adminUrl);
    await applyMigrations(target);
    const db = createDbClient(target);
    try {
      const mailbox = await db.mailbox.create({
        data: {
          key: 'support',
          address: 'support@example.test',
          name: 'Support',
          channelId: 'C0SUPPORT',
          uidValidity: 4_294_967_295n,
          lastUid: 4_294_967_290n,
        },
      });
      const ticket = await db.ticket.create({ data: { mailboxId: mailbox.id, number: 1, subject: '返品について' } });
      await expect(
        db.ticket.create({ data: { mailboxId: mailbox.id, number: 1, subject: 'duplicate number' } }),
      ).rejects.toThrow();
      const reread = await db.mailbox.findUniqueOrThrow({ where: { id: mailbox.id }, include: { tickets: true } });
      expect(reread.uidValidity).toBe(4_294_967_295n);
      expect(reread.tickets.map((t) => t.subject)).toEqual([ticket.subject]);
    } finally {
      await db.$disconnect();
    }
  });

  it(`${provider}: the schema and its migration history agree (no drift)`, async () => {
    const { target } = await scratch(provider, adminUrl);
    await applyMigrations(target);
    const drift = await diffDatabaseToSchema(target);
    expect(
      drift,
      `prisma/models.prisma changed without a migration: run \`npm run db:migration -- NAME\`\n${drift}`,
    ).toBe('');
  });
}

describe('SQLite', () => migrationsBehaveOn('sqlite'));
describeWithPostgres('PostgreSQL', (adminUrl) => migrationsBehaveOn('postgresql', adminUrl));

it('the drift check notices a model that has no migration', async () => {
  const { target } = await scratch('sqlite');
  await applyMigrations(target);
  // Drop a table behind the history's back: the database no longer matches the schema.
  const db = createDbClient(target);
  await db.$executeRawUnsafe('DROP TABLE "Lease"');
  await db.$disconnect();
  expect(await diffDatabaseToSchema(target)).toMatch(/CREATE TABLE "Lease"/);
});

it('both providers have the same migrations, so neither history falls behind', () => {
  const [sqlite, postgresql] = DATABASE_PROVIDERS.map((provider) =>
    readMigrationList(provider).migrationDirectories.map((dir) => dir.path),
  );
  expect(sqlite).toEqual(postgresql);
});

it('SQLite: the search index keeps its triggers on Ticket, Message and Comment through every migration', async () => {
  // A migration that copies a table (Prisma's way of changing a column on SQLite) drops its
  // triggers with it, and the search index would silently stop following that table.
  const { target } = await scratch('sqlite');
  await applyMigrations(target);
  const db = createDbClient(target);
  try {
    const triggers = await db.$queryRawUnsafe<{ name: string; tbl_name: string }[]>(
      `SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('Ticket', 'Message', 'Comment') ORDER BY name`,
    );
    expect(triggers.map((trigger) => `${trigger.tbl_name}:${trigger.name}`)).toEqual([
      'Comment:search_docs_comment_delete',
      'Comment:search_docs_comment_insert',
      'Comment:search_docs_comment_update',
      'Message:search_docs_message_delete',
      'Message:search_docs_message_insert',
      'Message:search_docs_message_update',
      'Ticket:search_docs_ticket_delete',
      'Ticket:search_docs_ticket_insert',
      'Ticket:search_docs_ticket_subject',
    ]);
  } finally {
    await db.$disconnect();
  }
});
