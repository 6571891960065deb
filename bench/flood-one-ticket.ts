/**
 * One ticket flooded with follow-ups: a mail opens the ticket, then N follow-ups of ~20 KB
 * of text each (In-Reply-To the first) are stored, parsed and committed one at a time
 * through the bot's own path (storeRawMail, prepareStoredMail, commitStoredMails), on
 * SQLite and PostgreSQL. Prints the commit time (the transaction on the main thread,
 * search-index triggers included) of follow-up #1, #30, #120, #240 and #N, each the median
 * of the five follow-ups around it, and the ratio #N / #1: a mail should cost what the mail
 * costs, however many the ticket already holds.
 *
 *   npx tsx bench/flood-one-ticket.ts [N=300]
 */
import { closeDbClient, openDbClient } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrations.js';
import { createScratchDatabase } from '../src/db/scratch-database.js';
import { DATABASE_PROVIDERS, type DatabaseProvider } from '../src/db/schema-source.js';
import { createLogger } from '../src/logging/logger.js';
import { ParsePool } from '../src/mail/parse-pool.js';
import { commitStoredMails, prepareStoredMail, type IngestDeps } from '../src/services/ingest/ingest-stored-mail.js';
import { storeRawMail } from '../src/services/ingest/store-raw-mail.js';
import { machine, percentile } from './support.js';

const FOLLOW_UPS = Number(process.argv[2] ?? 300);
const POINTS = [1, 30, 120, 240, FOLLOW_UPS].filter(
  (point, index, all) => point <= FOLLOW_UPS && all.indexOf(point) === index,
);

/** ~20 KB of text, different in each mail (Japanese and English lines, as support mail is). */
function body(i: number): string {
  const lines: string[] = [];
  for (let line = 0; Buffer.byteLength(lines.join('\r\n')) < 20_000; line += 1) {
    lines.push(
      line % 2
        ? `Line ${line} of follow-up ${i}: the order has still not arrived, please check again.`
        : `追伸 ${i}-${line}：商品がまだ届いていません。至急ご確認をお願いいたします。`,
    );
  }
  return lines.join('\r\n');
}

function mail(i: number): Buffer {
  const threading = i === 0 ? '' : 'In-Reply-To: <flood-0@bench.example>\r\n';
  return Buffer.from(
    `From: Taro <taro@example.jp>\r\nTo: support@example.com\r\nSubject: ${i === 0 ? '' : 'Re: '}注文の件\r\nMessage-ID: <flood-${i}@bench.example>\r\n${threading}` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body(i)}\r\n`,
  );
}

/** Commit times in ms, [0] the opening mail, [i] follow-up #i. */
async function flood(provider: DatabaseProvider, pool: ParsePool): Promise<number[]> {
  const scratch = await createScratchDatabase(provider);
  await applyMigrations(scratch.target);
  const db = await openDbClient(scratch.target);
  try {
    const mailbox = await db.mailbox.create({
      data: { key: 'flood', address: 'support@example.com', name: 'flood', channelId: 'C0FLOOD' },
    });
    const deps: IngestDeps = {
      db,
      parser: pool,
      logger: createLogger('silent'),
      ownAddresses: ['support@example.com'],
    };
    const times: number[] = [];
    for (let i = 0; i <= FOLLOW_UPS; i += 1) {
      const stored = await storeRawMail(db, { mailboxId: mailbox.id, raw: mail(i) });
      if (!stored.stored) throw new Error(`mail ${i} was a duplicate`);
      const prepared = await prepareStoredMail(deps, stored.messageRowId);
      const started = performance.now();
      const [outcome] = await commitStoredMails(deps, [prepared]);
      times.push(performance.now() - started);
      if (outcome?.kind !== (i === 0 ? 'new_ticket' : 'follow_up')) throw new Error(`mail ${i}: ${outcome?.kind}`);
    }
    return times;
  } finally {
    await closeDbClient(db);
    await scratch.drop();
  }
}

console.log(
  `one ticket, ${FOLLOW_UPS} follow-ups of ~${(mail(1).length / 1000).toFixed(0)} KB committed one at a time; ${machine()}`,
);
const pool = new ParsePool({ size: 1 });
try {
  for (const provider of DATABASE_PROVIDERS) {
    const times = await flood(provider, pool);
    const around = (point: number) =>
      percentile(times.slice(Math.max(1, point - 2), Math.min(FOLLOW_UPS, point + 2) + 1), 50);
    const figures = POINTS.map((point) => `#${point} ${around(point).toFixed(1)} ms`).join(', ');
    console.log(
      `${provider.padEnd(10)} opening mail ${times[0]!.toFixed(1)} ms; follow-up ${figures}; #${FOLLOW_UPS}/#1 ${(around(FOLLOW_UPS) / around(1)).toFixed(2)}`,
    );
  }
} finally {
  await pool.close();
}
