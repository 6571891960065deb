/**
 * The morning backlog as a channel sees it: N distinct mails of the public corpus appended
 * at once to the running bot's mailbox, against a Slack stand-in that enforces Slack's
 * chat.postMessage pace (1 message a second per channel, burst 3; 429 beyond). Slack's
 * floor is N seconds for N ticket messages. Prints the time from the first APPEND until
 * every ticket message is in the channel (and that divided by N: the target is ≤ 1.1),
 * and until everything (full texts, follow-ups, files) is posted.
 *
 * Then, with `--latency K`, K single mails 1.1 s apart: APPEND → ticket message.
 *
 * Usage: npx tsx bench/backlog-to-slack.ts [N=all distinct corpus mails] [--latency K]
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { dedupeKeyOf, sha256Hex } from '../src/mail/raw-headers.js';
import { openImap } from '../test/support/dovecot.js';
import { corpusMails } from '../test/support/corpus.js';
import { CHANNEL_ID } from '../test/support/fixture.js';
import { waitFor } from '../test/support/net.js';
import { machine, percentile, SLACK_POST_LIMIT, startWorld } from './support.js';

const args = process.argv.slice(2);
const latencyAt = args.indexOf('--latency');
const probes = latencyAt === -1 ? 0 : Number(args[latencyAt + 1] ?? 30);
const limit = args[0] && !args[0].startsWith('--') ? Number(args[0]) : Infinity;

// Distinct as the bot sees them (it stores a repeated mail once).
const seen = new Set<string>();
const mails: Buffer[] = [];
for (const { raw } of corpusMails()) {
  const id = dedupeKeyOf(raw, sha256Hex(raw));
  if (seen.has(id) || mails.length >= limit) continue;
  seen.add(id);
  mails.push(raw);
}

const world = await startWorld({}, { postLimit: SLACK_POST_LIMIT });
const db = new Database(path.join(world.fixture.dir, 'data', 'mailroom.db'), { readonly: true });
const imap = await openImap(world.dovecot, world.fixture.mailbox);
const slack = world.fixture.slack;
const topLevel = () =>
  slack.calls.filter(
    (call) =>
      call.method === 'chat.postMessage' && !call.error && !call.args.thread_ts && call.args.channel === CHANNEL_ID,
  );
const unfinished = () =>
  (db.prepare(`SELECT COUNT(*) AS n FROM SlackPost WHERE state IN ('queued', 'posting')`).get() as { n: number }).n;
try {
  const started = Date.now();
  for (const raw of mails) await imap.append('INBOX', raw);
  const appended = Date.now();
  // Every mail is a ticket (or, threaded to an earlier corpus mail, a follow-up in one).
  await waitFor(
    () =>
      (db.prepare(`SELECT COUNT(*) AS n FROM Message WHERE parseState != 'stored'`).get() as { n: number }).n >=
      mails.length,
    120_000,
    'every mail ingested',
    20,
  );
  // Slack's floor: one second per message the channel must show (the tickets).
  const tickets = (db.prepare(`SELECT COUNT(*) AS n FROM Ticket`).get() as { n: number }).n;
  await waitFor(() => topLevel().length >= tickets, 600_000, 'every ticket message', 20);
  const lastTicket = Math.max(...topLevel().map((call) => call.at));
  await waitFor(() => unfinished() === 0, 900_000, 'every post', 50);
  const everything = Math.max(
    ...slack.calls
      .filter((call) => !call.error && ['chat.postMessage', 'files.completeUploadExternal'].includes(call.method))
      .map((call) => call.at),
  );
  const posts = slack.calls.filter((call) => call.method === 'chat.postMessage' && !call.error).length;
  const shares = slack.calls.filter((call) => call.method === 'files.completeUploadExternal' && !call.error).length;
  const limited = slack.calls.filter((call) => call.error === 'ratelimited').length;
  console.log(
    `backlog to Slack: ${mails.length} distinct corpus mails appended at once (in ${appended - started} ms) → ${tickets} tickets`,
  );
  console.log(
    `  every ticket message in the channel after ${((lastTicket - started) / 1000).toFixed(1)} s = ${((lastTicket - started) / 1000 / tickets).toFixed(2)} × the floor of ${tickets} s`,
  );
  console.log(
    `  everything posted after ${((everything - started) / 1000).toFixed(1)} s: ${posts} messages, ${shares} file shares, ${((posts + shares) / mails.length).toFixed(2)} Slack posts per mail, ${limited} answered 429`,
  );

  if (probes > 0) {
    // One mail every 1.1 s, whatever the bot does; latencies read off afterwards.
    const appendedAt: number[] = [];
    const subject = (i: number) => `latency probe ${i}`;
    const begin = Date.now();
    for (let i = 0; i < probes; i += 1) {
      appendedAt.push(Date.now());
      await imap.append(
        'INBOX',
        `From: probe${i}@example.jp\r\nTo: ${world.fixture.mailbox}\r\nSubject: ${subject(i)}\r\nMessage-ID: <probe-${i}-${Date.now()}@example.jp>\r\n\r\n遅延測定 ${i}\r\n`,
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, begin + (i + 1) * 1_100 - Date.now())));
    }
    const postedAt = (i: number) =>
      slack.calls.find(
        (call) =>
          call.method === 'chat.postMessage' &&
          !call.error &&
          JSON.stringify(call.args.blocks ?? []).includes(subject(i)),
      )?.at;
    await waitFor(() => postedAt(probes - 1) !== undefined, 30_000, 'the last probe', 5);
    const latencies = appendedAt.map((at, i) => postedAt(i)! - at);
    console.log(
      `  single mails 1.1 s apart, APPEND → ticket message, ${probes} probes: p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${Math.max(...latencies)} ms`,
    );
  }
  console.log(`  machine: ${machine()}`);
} finally {
  await imap.logout();
  db.close();
  await world.stop();
}
