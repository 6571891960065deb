/**
 * Backlog throughput: N mails (the corpus, cycled, each with its own Message-ID) waiting in
 * a Dovecot folder. Measures
 *   baseline — imapflow fetch of every source + mailparser simpleParser of each, nothing else;
 *   Mailroom — the bot's own path: sync (fetch, store raw with the cursor) and ingest
 *              (parse in workers, classify, thread, ticket, queued posts) into SQLite;
 * and their ratio. Slack posting is not part of it (it is paced at 1/s per channel by
 * design; see posting-rate.ts). Usage: npx tsx bench/backlog-throughput.ts [N=5000]
 *
 * Profiling: `node --import tsx --cpu-prof --cpu-prof-dir=DIR bench/backlog-throughput.ts N`
 * writes one profile per thread (main, parse worker); the bench then prints the measured
 * window on the profiles' clock, for `bench/cpu-profile-summary.ts DIR FROM TO`.
 */
import os from 'node:os';
import { simpleParser } from 'mailparser';
import { openDbClient } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrations.js';
import { createScratchDatabase } from '../src/db/scratch-database.js';
import { createLogger } from '../src/logging/logger.js';
import { ParsePool } from '../src/mail/parse-pool.js';
import { syncMailboxOnce } from '../src/services/ingest/sync-mailbox.js';
import { IngestQueue } from '../src/services/ingest/ingest-queue.js';
import { corpusMails } from '../test/support/corpus.js';
import { openImap, startDovecot } from '../test/support/dovecot.js';
import { machine } from './support.js';

const count = Number(process.argv[2] ?? 5000);
const dovecot = await startDovecot();
const user = 'backlog@example.test';
const templates = corpusMails().map(({ raw }) => raw);
const appender = await openImap(dovecot, user);
let bytes = 0;
for (let i = 0; i < count; i += 1) {
  const raw = Buffer.concat([
    Buffer.from(`Message-ID: <backlog-${i}@bench.example>\r\n`),
    templates[i % templates.length]!,
  ]);
  bytes += raw.length;
  await appender.append('INBOX', raw);
}
await appender.logout();

// Baseline: fetch everything, then parse each with mailparser, on one thread.
/** Now on the clock of `--cpu-prof` profiles (microseconds, monotonic). */
const profileClock = () => process.hrtime.bigint() / 1000n;

const baseStart = Date.now();
const client = await openImap(dovecot, user);
const lock = await client.getMailboxLock('INBOX');
const sources: Buffer[] = [];
for await (const message of client.fetch('1:*', { uid: true, source: true }))
  if (message.source) sources.push(message.source);
lock.release();
await client.logout();
for (const source of sources) await simpleParser(source);
const baseSeconds = (Date.now() - baseStart) / 1000;

// Mailroom's path, into a fresh SQLite file.
const scratch = await createScratchDatabase('sqlite');
await applyMigrations(scratch.target);
const db = await openDbClient(scratch.target);
const pool = new ParsePool();
const logger = createLogger('silent');
const mailbox = await db.mailbox.create({
  data: { key: 'backlog', address: 'support@example.com', name: 'backlog', channelId: 'C0BACKLOG' },
});
const start = Date.now();
const profileFrom = profileClock();
const sync = await openImap(dovecot, user);
let done!: () => void;
const finished = new Promise<void>((resolve) => (done = resolve));
let ingested = 0;
const queue = new IngestQueue(
  { db, parser: pool, logger, ownAddresses: ['support@example.com'], mailboxIds: [mailbox.id] },
  () => {
    ingested += 1;
    if (ingested === count) done();
  },
  logger,
);
const result = await syncMailboxOnce(
  db,
  sync,
  { mailboxId: mailbox.id, folder: 'INBOX', backfillDays: 36500 },
  logger,
  () => queue.kick(),
);
const syncSeconds = (Date.now() - start) / 1000;
await finished;
const profileTo = profileClock();
const seconds = (Date.now() - start) / 1000;
await sync.logout();
await queue.stop();
await pool.close();
const tickets = await db.ticket.count();
await db.$disconnect();
await scratch.drop();
await dovecot.stop();

console.log(`backlog of ${count} mails (${(bytes / 2 ** 20).toFixed(1)} MiB, the corpus cycled)`);
console.log(
  `  baseline imapflow fetch + mailparser: ${baseSeconds.toFixed(1)} s = ${(count / baseSeconds).toFixed(0)} mails/s`,
);
console.log(
  `  Mailroom sync + store + ingest:       ${seconds.toFixed(1)} s = ${(count / seconds).toFixed(0)} mails/s (sync and raw store alone: ${syncSeconds.toFixed(1)} s; ${result.stored} stored, ${result.duplicates} duplicates, ${tickets} tickets)`,
);
console.log(`  ratio Mailroom / baseline: ${(baseSeconds / seconds).toFixed(2)}`);
console.log(`  machine: ${machine()}, load average ${os.loadavg()[0]!.toFixed(1)} at the end`);
if (process.execArgv.some((flag) => flag.startsWith('--cpu-prof')))
  console.log(`  profile window of Mailroom's path: ${profileFrom} ${profileTo}`);
