/**
 * One customer (or a mail loop) floods a ticket while the team works: N follow-ups of about
 * 20 KB each are appended into one ticket as fast as IMAP takes them, a second customer's
 * new mail arrives after the first third of them, and people click on another ticket about
 * five times a second throughout (signed block_actions over HTTP, as Slack sends them).
 * Slack's pace for chat.postMessage is enforced by the stand-in (1 a second per channel).
 *
 * Prints: APPEND → the second customer's ticket message (target < 5 s); the click acks
 * during the flood (p50, p99, max; target p99 < 200 ms); the time until every follow-up is
 * ingested and until every post is in Slack, with how many thread messages the flood took.
 *
 * Usage: npx tsx bench/flood-fairness.ts [N=300]
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { openImap } from '../test/support/dovecot.js';
import { CHANNEL_ID, USERS } from '../test/support/fixture.js';
import { waitFor } from '../test/support/net.js';
import { machine, percentile, SLACK_POST_LIMIT, startWorld } from './support.js';

const count = Number(process.argv[2] ?? 300);
const world = await startWorld({}, { postLimit: SLACK_POST_LIMIT });
const { fixture } = world;
const slack = fixture.slack;
const db = new Database(path.join(fixture.dir, 'data', 'mailroom.db'), { readonly: true });
const imap = await openImap(world.dovecot, fixture.mailbox);
const stamp = Date.now();
const postedWith = (text: string) =>
  slack.calls.find(
    (call) =>
      call.method === 'chat.postMessage' && !call.error && JSON.stringify(call.args.blocks ?? []).includes(text),
  );

// The ticket to be flooded, and the ticket people click on.
await imap.append(
  'INBOX',
  `From: loop@example.jp\r\nTo: ${fixture.mailbox}\r\nSubject: order 1234\r\nMessage-ID: <flood-first-${stamp}@example.jp>\r\n\r\nWhere is my order?\r\n`,
);
await imap.append(
  'INBOX',
  `From: clicked@example.jp\r\nTo: ${fixture.mailbox}\r\nSubject: clicked on\r\nMessage-ID: <clicked-${stamp}@example.jp>\r\n\r\nPlease call me.\r\n`,
);
await waitFor(() => slack.posted(CHANNEL_ID).length === 2, 30_000, 'the two tickets');
await new Promise((resolve) => setTimeout(resolve, 1_000));
const clicked = slack.posted(CHANNEL_ID).find((message) => JSON.stringify(message.blocks).includes('clicked on'))!;
const clickedId = (clicked.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id;

// Clicks all through the flood, about five a second.
const acks: number[] = [];
let flooding = true;
const clicking = (async () => {
  const urgencies = ['urgent', 'critical', 'normal'];
  for (let i = 0; flooding; i += 1) {
    const started = performance.now();
    const response = await fixture.requests
      .blockAction({
        userId: i % 2 ? USERS.agentEn.id : USERS.agentJa.id,
        channelId: CHANNEL_ID,
        messageTs: clicked.ts,
        action: {
          action_id: 'ticket.urgency',
          type: 'static_select',
          selected_option: { value: `${clickedId}:${urgencies[i % 3]}` },
        },
      })
      .catch((error: unknown) => {
        throw new Error(
          `click ${i} failed (${(error as Error).message}); the bot ${world.bot.exitCode === null ? 'runs' : `ended ${world.bot.exitCode ?? world.bot.signal}`}:\n${world.bot.stdout.slice(-2000)}\n${world.bot.stderr.slice(-3000)}`,
        );
      });
    acks.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`click ${i} answered ${response.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
})();

const filler = 'この商品はいつ届きますか。 Where is my parcel? '.repeat(560);
const started = Date.now();
let secondAppended = 0;
for (let i = 0; i < count; i += 1) {
  await imap.append(
    'INBOX',
    `From: loop@example.jp\r\nTo: ${fixture.mailbox}\r\nSubject: Re: order 1234\r\nMessage-ID: <flood-${i}-${stamp}@example.jp>\r\nIn-Reply-To: <flood-first-${stamp}@example.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nfollow-up ${i}\r\n${filler}\r\n`,
  );
  if (i === Math.floor(count / 3)) {
    secondAppended = Date.now();
    await imap.append(
      'INBOX',
      `From: second@example.jp\r\nTo: ${fixture.mailbox}\r\nSubject: second customer\r\nMessage-ID: <second-${stamp}@example.jp>\r\n\r\nA different question.\r\n`,
    );
  }
}
const appended = Date.now();
await imap.logout();
await waitFor(() => postedWith('second customer') !== undefined, 120_000, 'the second customer', 10).catch(
  (error: unknown) => {
    console.error(
      db.prepare(`SELECT kind, state, priority, lastError, COUNT(*) AS n FROM SlackPost GROUP BY 1, 2, 3, 4`).all(),
    );
    console.error(db.prepare(`SELECT parseState, COUNT(*) AS n FROM Message GROUP BY 1`).all());
    console.error(world.bot.stdout.slice(-3000), world.bot.stderr.slice(-2000));
    throw error;
  },
);
const second = postedWith('second customer')!.at - secondAppended;
const committedAt = (
  db
    .prepare(
      `SELECT createdAt FROM AuditLog WHERE action = 'ticket.created' AND ticketId = (SELECT id FROM Ticket WHERE subject = 'second customer')`,
    )
    .get() as { createdAt: number | string }
).createdAt;
const secondCommitted = new Date(committedAt).getTime() - secondAppended;
const ingested = () =>
  (db.prepare(`SELECT COUNT(*) AS n FROM Message WHERE parseState != 'stored'`).get() as { n: number }).n;
await waitFor(() => ingested() >= count + 3, 600_000, 'every mail ingested', 50);
const allIngested = Date.now();
// Clicks go on for 30 s at least, through the first folded posts of the flood too.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 30_000 - Date.now())));
flooding = false;
await clicking;
await waitFor(
  () =>
    (db.prepare(`SELECT COUNT(*) AS n FROM SlackPost WHERE state IN ('queued', 'posting')`).get() as { n: number })
      .n === 0,
  900_000,
  'every post',
  50,
);
const lastPost = Math.max(
  ...slack.calls.filter((call) => call.method === 'chat.postMessage' && !call.error).map((call) => call.at),
);
const floodTs = slack.posted(CHANNEL_ID).find((message) => JSON.stringify(message.blocks).includes('order 1234'))!.ts;
const threadMessages = slack.calls.filter(
  (call) => call.method === 'chat.postMessage' && !call.error && call.args.thread_ts === floodTs,
).length;
const fileShares = slack.calls.filter(
  (call) => call.method === 'files.completeUploadExternal' && !call.error && call.args.thread_ts === floodTs,
).length;
db.close();
await world.stop();

if (process.env.FLOOD_TRACE) {
  for (const call of slack.calls.filter((c) => c.at >= started - 500 && c.at <= started + 8_000)) {
    console.log(
      ((call.at - started) / 1000).toFixed(2),
      call.method,
      call.error ?? '',
      call.args.thread_ts ? 'thread' : '',
      (call.args.blocks as unknown[] | undefined)?.length ?? 0,
      'blocks',
      JSON.stringify(call.args.blocks ?? '').slice(0, 60),
    );
  }
}
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
console.log(
  `flood: ${count} follow-ups of ~${Math.round(filler.length / 1024 + 0.5)} KB into one ticket, appended in ${((appended - started) / 1000).toFixed(1)} s; a second customer's new mail after the first ${Math.floor(count / 3) + 1}`,
);
console.log(
  `  second customer: APPEND → ticket message in the channel ${(second / 1000).toFixed(2)} s (target < 5 s); its ticket was committed after ${(secondCommitted / 1000).toFixed(2)} s`,
);
console.log(
  `  clicks during the flood and the 30 s after its start (${acks.length}, about 5 a second): ack p50 ${fmt(percentile(acks, 50))}   p99 ${fmt(percentile(acks, 99))}   max ${fmt(Math.max(...acks))} (target p99 < 200 ms)`,
);
console.log(
  `  every mail ingested ${((allIngested - started) / 1000).toFixed(1)} s after the first APPEND; every post in Slack after ${((lastPost - started) / 1000).toFixed(1)} s; the flood took ${threadMessages} thread messages (and ${fileShares} file shares of the texts too long for a message) for ${count} mails`,
);
console.log(`  machine: ${machine()}`);
