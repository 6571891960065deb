/**
 * `npm run forget` and `npm run export-customer` on a database an earlier version of
 * Mailroom left (one migration behind, as after an upgrade before the bot's restart): they
 * apply the pending migration first, as `npm start` does, then do their work — on a SQLite
 * file and on PostgreSQL.
 */
import { expect, it } from 'vitest';
import { closeDbClient, createDbClient } from '../../src/db/client.js';
import { applyMigrations, migrationsUpToDate, readMigrationList } from '../../src/db/migrations.js';
import { createScratchDatabase } from '../../src/db/scratch-database.js';
import type { DatabaseProvider } from '../../src/db/schema-source.js';
import { useFixture } from '../support/fixture.js';
import { runCommand } from '../support/mailroom-process.js';
import { describeWithDovecot, describeWithPostgres } from '../support/services.js';

describeWithDovecot('the privacy commands on a database a migration behind', (dovecot) => {
  const fixture = useFixture(dovecot);

  async function behindWithCustomer(provider: DatabaseProvider, adminUrl?: string) {
    const scratch = await createScratchDatabase(provider, adminUrl);
    const all = readMigrationList(provider);
    const last = all.migrationDirectories.at(-1)!.path;
    await applyMigrations(scratch.target, { ...all, migrationDirectories: all.migrationDirectories.slice(0, -1) });
    expect(await migrationsUpToDate(scratch.target)).toBe(false);
    // The Customer table is as the earlier version made it: written through Prisma all the same.
    const db = createDbClient(scratch.target);
    try {
      await db.customer.create({ data: { address: 'mika@example.jp', domain: 'example.jp', name: 'Mika' } });
    } finally {
      await closeDbClient(db);
    }
    return { scratch, last };
  }

  async function checkCommands(provider: DatabaseProvider, adminUrl?: string) {
    for (const command of ['export-customer', 'forget']) {
      const { scratch, last } = await behindWithCustomer(provider, adminUrl);
      try {
        const run = await runCommand(`src/cli/${command}.ts`, fixture.env({ DATABASE_URL: scratch.url }), fixture.dir, [
          'mika@example.jp',
        ]);
        expect(run.exitCode, run.stderr).toBe(0);
        expect(run.stderr).toContain(`Applied 1 pending migration(s) to the database first: ${last}`);
        if (command === 'forget') expect(run.stdout).toMatch(/customer record\s+1/);
        else expect(JSON.parse(run.stdout).customer).toMatchObject({ address: 'mika@example.jp', name: 'Mika' });
        expect(await migrationsUpToDate(scratch.target)).toBe(true);
      } finally {
        await scratch.drop();
      }
    }
  }

  it('SQLite: each applies the pending migration, then exports or forgets the customer', async () => {
    await checkCommands('sqlite');
  });

  describeWithPostgres('PostgreSQL', (adminUrl) => {
    it('each applies the pending migration, then exports or forgets the customer', async () => {
      await checkCommands('postgresql', adminUrl);
    });
  });
});
