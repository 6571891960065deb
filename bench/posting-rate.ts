/**
 * Posting rate against a Slack stand-in that enforces 1 message/s per channel (burst 3),
 * answering 429 with Retry-After beyond it, as Slack does. N tickets = 2N posts in one
 * channel (each mail quotes an earlier one, so its full text goes to the thread).
 * Usage: npx tsx bench/posting-rate.ts [N=30]
 */
import { openDbClient } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrations.js';
import { createScratchDatabase } from '../src/db/scratch-database.js';
import { createLogger } from '../src/logging/logger.js';
import { ParsePool } from '../src/mail/parse-pool.js';
import { ingestStoredMail } from '../src/services/ingest/ingest-stored-mail.js';
import { storeRawMail } from '../src/services/ingest/store-raw-mail.js';
import { SlackPoster } from '../src/slack/poster/slack-poster.js';
import { waitFor } from '../test/support/net.js';
import { SlackStandin } from '../test/support/slack-standin.js';
import { machine } from './support.js';

const tickets = Number(process.argv[2] ?? 30);
const scratch = await createScratchDatabase('sqlite');
await applyMigrations(scratch.target);
const db = await openDbClient(scratch.target);
const pool = new ParsePool({ size: 1 });
const slack = await new SlackStandin({
  channels: [{ id: 'C0RATE', name: 'rate', members: ['U0MAILBOT'] }],
  postLimit: { perSecond: 1, burst: 3 },
}).start();
const mailbox = await db.mailbox.create({
  data: { key: 'rate', address: 'support@example.com', name: 'rate', channelId: 'C0RATE' },
});
for (let i = 0; i < tickets; i += 1) {
  const stored = await storeRawMail(db, {
    mailboxId: mailbox.id,
    raw: Buffer.from(
      `From: c${i}@example.jp\r\nSubject: rate ${i}\r\nMessage-ID: <rate-${i}@example.jp>\r\n\r\nbody\r\n\r\nOn Mon, 1 Dec 2026 at 09:00, Support <support@example.com> wrote:\r\n> earlier\r\n`,
    ),
  });
  if (stored.stored)
    await ingestStoredMail({ db, parser: pool, logger: createLogger('silent'), ownAddresses: [] }, stored.messageRowId);
}
const poster = new SlackPoster(
  db,
  ['C0RATE'],
  { token: slack.botToken, apiUrl: slack.apiUrl, instanceId: 'bench' },
  createLogger('silent'),
);
const started = Date.now();
await poster.start();
await waitFor(() => slack.messages.length >= tickets * 2, 600_000, 'all posts', 20);
const elapsed = (Date.now() - started) / 1000;
const posted = slack.calls.filter((c) => c.method === 'chat.postMessage' && !c.error);
const limited = slack.calls.filter((c) => c.error === 'ratelimited').length;
const steady = (posted.length - 1) / ((posted.at(-1)!.at - posted[0]!.at) / 1000);
await poster.stop();
await slack.stop();
await pool.close();
await db.$disconnect();
await scratch.drop();
console.log(`posting rate, ${posted.length} posts in one channel, stand-in limit 1/s (burst 3)`);
console.log(
  `  ${(posted.length / elapsed).toFixed(2)} posts/s overall (${elapsed.toFixed(1)} s), ${steady.toFixed(2)} posts/s first-to-last, 429 answers: ${limited}`,
);
console.log(`  machine: ${machine()}`);
