/**
 * `npm run export -- [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--mailbox KEY] [--stats]
 * [--out FILE] [FILTERS...]`: the tickets created or closed in the period (by default the
 * last 7 days, today included) as CSV, UTF-8 with a BOM for Excel; with `--stats`, the
 * numbers of `/mail stats` over the same period instead. FILTERS are /mail search's words
 * and filters (status:open tag:vip …). Every mailbox unless --mailbox names one. To stdout
 * unless --out names a file. Assignees are Slack user ids here (no Slack call is made).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closeDbClient } from '../db/client.js';
import { parseSearchQuery, readDay, type SearchQuery } from '../domain/search-query.js';
import { periodStart } from '../domain/stats.js';
import { statsCsv, ticketsCsv } from '../domain/ticket-export.js';
import { everythingScope, exportTickets, type ExportRange } from '../services/reports/export-tickets.js';
import { errorMessage } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { mailboxOrExit, openMigratedDb, readConfigOrExit, writeStdout } from './read-config.js';

const USAGE =
  'usage: npm run export -- [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--mailbox KEY] [--stats] [--out FILE] [FILTERS...]';

function usageExit(problem: string): never {
  console.error(`${problem}\n${USAGE}`);
  process.exit(EXIT.badConfig);
}

/** The start of a UTC day, or of the day after it (`--until` includes its day). */
function dayStart(option: string, value: string | undefined, nextDay = false): Date | undefined {
  if (value === undefined) return undefined;
  const date = readDay(value);
  if (!date) usageExit(`--${option} ${value}: not a date; write it as YYYY-MM-DD`);
  if (nextDay) date.setUTCDate(date.getUTCDate() + 1);
  return date;
}

const OPTIONS = {
  since: { type: 'string' },
  until: { type: 'string' },
  mailbox: { type: 'string' },
  stats: { type: 'boolean' },
  out: { type: 'string' },
} as const;

function readArgs() {
  try {
    return parseArgs({ options: OPTIONS, allowPositionals: true });
  } catch (error) {
    return usageExit(errorMessage(error));
  }
}
const { values, positionals } = readArgs();
const range: ExportRange = {
  from: dayStart('since', values.since) ?? periodStart('week', new Date()),
  ...(values.until ? { until: dayStart('until', values.until, true) } : {}),
};
let query: SearchQuery = { terms: [] };
if (positionals.length) {
  const read = parseSearchQuery(positionals.join(' '), '');
  if ('problem' in read) usageExit(`filters: ${JSON.stringify(read.problem)}`);
  query = read.query;
}

const config = readConfigOrExit();
const mailbox = values.mailbox === undefined ? undefined : mailboxOrExit(config, values.mailbox);
const db = await openMigratedDb(config);
// A mailbox configured but never started has nothing in the database: no id matches it.
const mailboxId = mailbox
  ? ((await db.mailbox.findUnique({ where: { key: mailbox.key }, select: { id: true } }))?.id ?? -1)
  : undefined;
const result = await exportTickets(
  { db, mailboxes: config.mailboxes },
  { scope: await everythingScope(db), query, range, ...(mailboxId === undefined ? {} : { mailboxId }) },
);
await closeDbClient(db);
const csv = values.stats ? statsCsv(result.stats) : ticketsCsv(result.tickets);
if (values.out) writeFileSync(values.out, csv);
else await writeStdout(csv);
if (result.truncated) console.error(`Only the ${result.tickets.length} most recently active tickets were written.`);
if (values.out)
  console.error(`${values.out}: ${values.stats ? 'the numbers' : `${result.tickets.length} ticket(s)`} written.`);
process.exit(EXIT.ok);
