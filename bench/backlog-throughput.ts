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
import { corpusMails } from '../test/support/corpus.js';
import { openImap, startDovecot } from '../test/support/dovecot.js';
import { buildCompiled } from '../test/support/mailroom-process.js';
import { machine } from './support.js';

// Mailroom's path runs compiled, as `npm start` runs it (dist/; its parse worker too, which
// from source would load the TypeScript loader first).
buildCompiled();
/** The compiled module of dist/ (typed as its source in src/). */
const compiled = (file: string): Promise<unknown> => import(new URL(`../dist/${file}`, import.meta.url).href);
const { openDbClient } = (await compiled('db/client.js')) as typeof import('../src/db/client.js');
const { applyMigrations } = (await compiled('db/migrations.js')) as typeof import('../src/db/migrations.js');
const { createScratchDatabase } = (await compiled(
  'db/scratch-database.js',
)) as typeof import('../src/db/scratch-database.js');
const { createLogger } = (await compiled('logging/logger.js')) as typeof import('../src/logging/logger.js');
const { ParsePool } = (await compiled('mail/parse-pool.js')) as typeof import('../src/mail/parse-pool.js');
const { syncMailboxOnce } = (await compiled(
  'services/ingest/sync-mailbox.js',
)) as typeof import('../src/services/ingest/sync-mailbox.js');
const { IngestQueue } = (await compiled(
  'services/ingest/ingest-queue.js',
)) as typeof import('../src/services/ingest/ingest-queue.js');

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
/** CPU time of all the process's threads (user and system), in seconds. */
const cpuSeconds = ({ user, system }: NodeJS.CpuUsage) => (user + system) / 1e6;

/** Now on the clock of `--cpu-prof` profiles (microseconds, monotonic). */
const profileClock = () => process.hrtime.bigint() / 1000n;

const baseStart = Date.now();
const baseCpu = process.cpuUsage();
const client = await openImap(dovecot, user);
const lock = await client.getMailboxLock('INBOX');
const sources: Buffer[] = [];
for await (const message of client.fetch('1:*', { uid: true, source: true }))
  if (message.source) sources.push(message.source);
lock.release();
await client.logout();
for (const source of sources) await simpleParser(source);
const baseSeconds = (Date.now() - baseStart) / 1000;
const baseCpuSeconds = cpuSeconds(process.cpuUsage(baseCpu));

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
const ownCpu = process.cpuUsage();
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
const ownCpuSeconds = cpuSeconds(process.cpuUsage(ownCpu));
// The queue writes the search index when it has no mail left (and every 1,000 mails of a
// backlog): how long after the last commit every mail is in the index too.
for (;;) {
  const [row] = await db.$queryRawUnsafe<{ n: number | bigint }[]>('SELECT count(*) AS "n" FROM "search_docs_pending"');
  if (Number(row!.n) === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 10));
}
const indexedSeconds = (Date.now() - start) / 1000 - seconds;
await sync.logout();
await queue.stop();
await pool.close();
const tickets = await db.ticket.count();
await db.$disconnect();
await scratch.drop();
await dovecot.stop();

console.log(`backlog of ${count} mails (${(bytes / 2 ** 20).toFixed(1)} MiB, the corpus cycled)`);
console.log(
  `  baseline imapflow fetch + mailparser: ${baseSeconds.toFixed(1)} s = ${(count / baseSeconds).toFixed(0)} mails/s, CPU ${baseCpuSeconds.toFixed(1)} s`,
);
console.log(
  `  Mailroom sync + store + ingest:       ${seconds.toFixed(1)} s = ${(count / seconds).toFixed(0)} mails/s (sync and raw store alone: ${syncSeconds.toFixed(1)} s; ${result.stored} stored, ${result.duplicates} duplicates, ${tickets} tickets), CPU ${ownCpuSeconds.toFixed(1)} s`,
);
console.log(`  search index up to date ${indexedSeconds.toFixed(2)} s after the last commit`);
console.log(`  ratio Mailroom / baseline: ${(baseSeconds / seconds).toFixed(2)}`);
console.log(`  machine: ${machine()}, load average ${os.loadavg()[0]!.toFixed(1)} at the end`);
if (process.execArgv.some((flag) => flag.startsWith('--cpu-prof')))
  console.log(`  profile window of Mailroom's path: ${profileFrom} ${profileTo}`);
