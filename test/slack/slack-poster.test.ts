/**
 * The poster against the Slack stand-in, on a real SQLite file: per-channel pacing, a 429
 * that pauses only its own channel, and an outage that delays but loses and doubles nothing.
 */
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { ingestStoredMail } from '../../src/services/ingest/ingest-stored-mail.js';
import { loadThreadFiles } from '../../src/services/tickets/load-thread-files.js';
import { storeRawMail } from '../../src/services/ingest/store-raw-mail.js';
import { SlackPoster } from '../../src/slack/poster/slack-poster.js';
import { waitFor } from '../support/net.js';
import { useScratchSqlite } from '../support/scratch-sqlite.js';
import { SlackStandin } from '../support/slack-standin.js';

const world = useScratchSqlite();
let slack: SlackStandin;
let poster: SlackPoster | undefined;

afterEach(async () => {
  await poster?.stop();
  await slack?.stop();
});

/**
 * Mails that quote an earlier one, so each ticket is two posts: the ticket message and the
 * full text in its thread. `attachments`: files each mail carries.
 */
async function queueTickets(channelId: string, count: number, attachments = 0): Promise<void> {
  const mailbox = await world.db.mailbox.create({
    data: {
      key: `${channelId}-${Date.now()}`,
      address: `${channelId.toLowerCase()}@example.com`,
      name: channelId,
      channelId,
    },
  });
  for (let i = 0; i < count; i += 1) {
    const text = `body ${i}\r\n\r\nOn Mon, 1 Dec 2026 at 09:00, Support <support@example.com> wrote:\r\n> earlier question ${i}\r\n`;
    const files = Array.from(
      { length: attachments },
      (_, n) =>
        `--b\r\nContent-Type: text/plain; name="file-${n + 1}.txt"\r\nContent-Disposition: attachment; filename="file-${n + 1}.txt"\r\n\r\nfile ${n + 1}\r\n`,
    ).join('');
    const raw = attachments
      ? `From: c${i}@example.jp\r\nSubject: ${channelId} ${i}\r\nMessage-ID: <${channelId}-${i}@example.jp>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n${text}${files}--b--\r\n`
      : `From: c${i}@example.jp\r\nSubject: ${channelId} ${i}\r\nMessage-ID: <${channelId}-${i}@example.jp>\r\n\r\n${text}`;
    const stored = await storeRawMail(world.db, { mailboxId: mailbox.id, raw: Buffer.from(raw) });
    if (stored.stored)
      await ingestStoredMail(
        { db: world.db, parser: world.pool, logger: createLogger('silent'), ownAddresses: [] },
        stored.messageRowId,
      );
  }
}

async function startPoster(channels: string[]): Promise<SlackPoster> {
  poster = new SlackPoster(
    world.db,
    channels,
    { token: slack.botToken, apiUrl: slack.apiUrl, instanceId: 'test' },
    createLogger('silent'),
  );
  await poster.start();
  return poster;
}

const channel = (id: string) => ({ id, name: id, members: ['U0MAILBOT'] });

it('waits out a 429 in its own channel only, while the other channel goes on', async () => {
  slack = await new SlackStandin({ channels: [channel('C0BUSY'), channel('C0CALM')] }).start();
  await queueTickets('C0BUSY', 2);
  await queueTickets('C0CALM', 3);
  slack.failNext('chat.postMessage', 'ratelimited', {
    status: 429,
    retryAfter: 6,
    when: (args) => args.channel === 'C0BUSY',
  });
  await startPoster(['C0BUSY', 'C0CALM']);
  // Each ticket is two posts (ticket and full text): 4 in the busy channel, 6 in the calm one.
  await waitFor(() => slack.messages.filter((m) => m.channel === 'C0CALM').length === 6, 15_000, 'the calm channel');
  const limited = slack.calls.find((call) => call.error === 'ratelimited')!;
  const busyPosts = slack.messages.filter((m) => m.channel === 'C0BUSY');
  expect(busyPosts).toHaveLength(0);
  await waitFor(
    () => slack.messages.filter((m) => m.channel === 'C0BUSY').length === 4,
    15_000,
    'the busy channel after its pause',
  );
  const firstBusy = slack.calls.find(
    (call) => call.method === 'chat.postMessage' && call.args.channel === 'C0BUSY' && !call.error,
  )!;
  expect(firstBusy.at - limited.at).toBeGreaterThanOrEqual(5_900);
  expect(slack.calls.filter((call) => call.error === 'ratelimited')).toHaveLength(1);
});

it('paces a channel to about one post a second after a short burst', async () => {
  slack = await new SlackStandin({ channels: [channel('C0PACE')] }).start();
  await queueTickets('C0PACE', 4);
  await startPoster(['C0PACE']);
  await waitFor(() => slack.messages.filter((m) => m.channel === 'C0PACE').length === 8, 20_000, 'eight posts');
  const times = slack.calls.filter((call) => call.method === 'chat.postMessage' && !call.error).map((call) => call.at);
  // Burst of 3, then the other 5 at a second each: the last comes 5 s or more after the first.
  expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(4_500);
});

it('rides out an outage: every post arrives once when Slack answers again', async () => {
  slack = await new SlackStandin({ channels: [channel('C0DOWN')] }).start();
  await queueTickets('C0DOWN', 2);
  slack.failNext('chat.postMessage', 'internal_error', { status: 503, times: 3 });
  await startPoster(['C0DOWN']);
  await waitFor(
    () => slack.messages.filter((m) => m.channel === 'C0DOWN').length === 4,
    30_000,
    'all posts after the outage',
  );
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const posted = slack.messages.filter((m) => m.channel === 'C0DOWN');
  expect(posted).toHaveLength(4);
  expect(new Set(posted.map((m) => JSON.stringify(m.metadata))).size).toBe(4);
  expect(await world.db.slackPost.count({ where: { channelId: 'C0DOWN', state: 'posted' } })).toBe(4);
});

it('posts to a channel that had nothing queued when it started (a mailbox moved to it since)', async () => {
  slack = await new SlackStandin({ channels: [channel('C0HOME'), channel('C0LATER')] }).start();
  await startPoster(['C0HOME']);
  await queueTickets('C0LATER', 1);
  poster!.wake();
  await waitFor(
    () => slack.messages.filter((m) => m.channel === 'C0LATER').length === 2,
    15_000,
    'the posts of the channel nobody watched at the start',
  );
});

/** The ticket messages (top level) and thread posts in the order Slack took them. */
function order(channelId: string): string[] {
  return slack.messages.filter((m) => m.channel === channelId).map((m) => (m.thread_ts ? `thread` : 'ticket'));
}

it('posts every ticket of a backlog before the threads of earlier tickets fill in', async () => {
  slack = await new SlackStandin({ channels: [channel('C0MORNING')] }).start();
  await queueTickets('C0MORNING', 5);
  await startPoster(['C0MORNING']);
  await waitFor(() => slack.messages.filter((m) => m.channel === 'C0MORNING').length === 10, 20_000, 'the backlog');
  expect(order('C0MORNING')).toEqual([...Array(5).fill('ticket'), ...Array(5).fill('thread')]);
  // Inside each thread the full text follows its own ticket.
  const tickets = slack.messages.filter((m) => m.channel === 'C0MORNING' && !m.thread_ts);
  const threads = slack.messages.filter((m) => m.channel === 'C0MORNING' && m.thread_ts);
  expect(threads.map((m) => m.thread_ts)).toEqual(tickets.map((m) => m.ts));
});

it('gives up a post that keeps failing while the channel works: a note takes its place, and the next customer is not held up', async () => {
  slack = await new SlackStandin({ channels: [channel('C0STUCK')] }).start();
  await queueTickets('C0STUCK', 1);
  // Slack errs on the first ticket's full text every time (as with too many files at once).
  slack.failNext('chat.postMessage', 'internal_error', {
    times: 1_000,
    when: (args) => JSON.stringify(args).includes('earlier question 0'),
  });
  const lines: string[] = [];
  poster = new SlackPoster(
    world.db,
    ['C0STUCK'],
    { token: slack.botToken, apiUrl: slack.apiUrl, instanceId: 'test', retryBaseMs: 100 },
    createLogger('info', { write: (line: string) => lines.push(line) } as never),
  );
  await poster.start();
  await waitFor(() => slack.messages.some((m) => m.channel === 'C0STUCK' && !m.thread_ts), 5_000, 'the first ticket');
  const started = Date.now();
  // The next customer writes while the bad post is being retried.
  const next = await world.db.mailbox.findFirstOrThrow({ where: { channelId: 'C0STUCK' } });
  const stored = await storeRawMail(world.db, {
    mailboxId: next.id,
    raw: Buffer.from(
      'From: next@example.jp\r\nSubject: the next customer\r\nMessage-ID: <next@example.jp>\r\n\r\nHello\r\n',
    ),
  });
  if (stored.stored)
    await ingestStoredMail(
      { db: world.db, parser: world.pool, logger: createLogger('silent'), ownAddresses: [] },
      stored.messageRowId,
    );
  poster.wake();
  await waitFor(
    () => slack.messages.some((m) => JSON.stringify(m.blocks ?? []).includes('the next customer')),
    5_000,
    'the next ticket',
  );
  expect(Date.now() - started).toBeLessThan(5_000);

  await waitFor(
    () =>
      slack.messages.some(
        (m) => m.thread_ts && /could not be shown|表示できませんでした/.test(JSON.stringify(m.blocks ?? [])),
      ),
    20_000,
    'the note in the thread',
  );
  const failed = await world.db.slackPost.findFirstOrThrow({ where: { channelId: 'C0STUCK', kind: 'mail_body' } });
  expect(failed.state).toBe('failed');
  expect(failed.lastError).toBe('internal_error');
  expect(lines.some((line) => line.includes('"code":"slack_post_failed"'))).toBe(true);
});

it('replaces a ticket message Slack refuses outright with a plain one that keeps the controls', async () => {
  slack = await new SlackStandin({ channels: [channel('C0PLAIN')] }).start();
  await queueTickets('C0PLAIN', 1);
  slack.failNext('chat.postMessage', 'invalid_blocks', { times: 1, when: (args) => !args.thread_ts });
  await startPoster(['C0PLAIN']);
  await waitFor(
    () => slack.messages.filter((m) => m.channel === 'C0PLAIN').length === 2,
    10_000,
    'the plain ticket and its thread',
  );
  const [ticket, body] = slack.messages.filter((m) => m.channel === 'C0PLAIN');
  expect(JSON.stringify(ticket!.blocks)).toContain('ticket.claim');
  expect(JSON.stringify(ticket!.blocks)).toMatch(/invalid_blocks/);
  expect(body!.thread_ts).toBe(ticket!.ts);
});

it('shares 25 attachments in calls of at most 10 files, paced by the file methods, not the channel', async () => {
  slack = await new SlackStandin({ channels: [channel('C0FILES')] }).start();
  await queueTickets('C0FILES', 1, 25);
  poster = new SlackPoster(
    world.db,
    ['C0FILES'],
    {
      token: slack.botToken,
      apiUrl: slack.apiUrl,
      instanceId: 'test',
      loadFiles: (id) => loadThreadFiles(world.db, id),
    },
    createLogger('silent'),
  );
  await poster.start();
  await waitFor(
    async () =>
      (await world.db.slackPost.count({ where: { channelId: 'C0FILES', kind: 'files', state: 'posted' } })) === 1,
    20_000,
    'the files',
  );
  const shares = slack.calls.filter((call) => call.method === 'files.completeUploadExternal' && !call.error);
  const sizes = shares.map(
    (call) =>
      (typeof call.args.files === 'string'
        ? (JSON.parse(call.args.files) as unknown[])
        : (call.args.files as unknown[])
      ).length,
  );
  expect(sizes).toEqual([10, 10, 5]);
  const names = slack.messages
    .filter((m) => m.channel === 'C0FILES' && m.files)
    .flatMap((m) => m.files!.map((file) => file.name));
  expect(names.sort()).toEqual(Array.from({ length: 25 }, (_, n) => `file-${n + 1}.txt`).sort());
});

/** Stores and ingests each raw mail into a new mailbox of the channel. */
async function ingestAll(channelId: string, raws: string[]): Promise<void> {
  const mailbox = await world.db.mailbox.create({
    data: {
      key: `${channelId}-${Date.now()}`,
      address: `${channelId.toLowerCase()}@example.com`,
      name: channelId,
      channelId,
    },
  });
  for (const raw of raws) {
    const stored = await storeRawMail(world.db, { mailboxId: mailbox.id, raw: Buffer.from(raw) });
    if (stored.stored)
      await ingestStoredMail(
        { db: world.db, parser: world.pool, logger: createLogger('silent'), ownAddresses: [] },
        stored.messageRowId,
      );
  }
}

it('shows a run of follow-ups in one thread folded, ten to a message, each mail once, after the other customer’s new ticket', async () => {
  slack = await new SlackStandin({ channels: [channel('C0FLOOD')] }).start();
  const flood = Array.from(
    { length: 12 },
    (_, i) =>
      `From: loop@example.jp\r\nSubject: Re: order\r\nMessage-ID: <flood-${i}@example.jp>\r\nIn-Reply-To: <flood-first@example.jp>\r\n\r\nfollow-up number ${i}\r\n`,
  );
  await ingestAll('C0FLOOD', [
    'From: loop@example.jp\r\nSubject: order\r\nMessage-ID: <flood-first@example.jp>\r\n\r\nwhere is my order\r\n',
    ...flood,
    'From: calm@example.jp\r\nSubject: a question\r\nMessage-ID: <calm@example.jp>\r\n\r\nhello there\r\n',
  ]);
  await startPoster(['C0FLOOD']);
  await waitFor(
    async () => (await world.db.slackPost.count({ where: { channelId: 'C0FLOOD', state: { not: 'posted' } } })) === 0,
    20_000,
    'every post',
  );
  const posted = slack.messages.filter((m) => m.channel === 'C0FLOOD');
  // Both tickets first; then the twelve follow-ups as three messages (ten, then the last two alone).
  expect(posted.filter((m) => !m.thread_ts).map((m) => JSON.stringify(m.blocks).includes('a question'))).toEqual([
    false,
    true,
  ]);
  const thread = posted.filter((m) => m.thread_ts);
  expect(thread).toHaveLength(3);
  expect(JSON.stringify(thread[0]!.blocks)).toContain('10 mails arrived in a row');
  const shown = thread.map((m) => JSON.stringify(m.blocks)).join('\n');
  for (let i = 0; i < 12; i += 1)
    expect(shown.match(new RegExp(`follow-up number ${i}(?!\\d)`, 'g')), `mail ${i}`).toHaveLength(1);
  // Each mail knows the message that shows it (for links and later look-ups).
  const mails = await world.db.message.findMany({
    where: { messageId: { in: flood.map((_, i) => `flood-${i}@example.jp`) } },
    select: { slackTs: true },
  });
  expect(mails).toHaveLength(12);
  expect(mails.filter((mail) => mail.slackTs === thread[0]!.ts)).toHaveLength(10);
  expect(mails.every((mail) => mail.slackTs)).toBe(true);
});

it('puts one sender’s burst of new tickets behind another customer’s after the first five', async () => {
  slack = await new SlackStandin({ channels: [channel('C0BURST')] }).start();
  const burst = Array.from(
    { length: 8 },
    (_, i) =>
      `From: script@example.jp\r\nSubject: alert ${i}\r\nMessage-ID: <burst-${i}@example.jp>\r\n\r\nalert ${i}\r\n`,
  );
  await ingestAll('C0BURST', [
    ...burst,
    'From: person@example.jp\r\nSubject: help please\r\nMessage-ID: <person@example.jp>\r\n\r\nI need help\r\n',
  ]);
  await startPoster(['C0BURST']);
  await waitFor(() => slack.messages.filter((m) => m.channel === 'C0BURST').length === 9, 20_000, 'nine tickets');
  const subjects = slack.messages
    .filter((m) => m.channel === 'C0BURST')
    .map((m) => /alert \d|help please/.exec(JSON.stringify(m.blocks))![0]);
  expect(subjects).toEqual([
    'alert 0',
    'alert 1',
    'alert 2',
    'alert 3',
    'alert 4',
    'help please',
    'alert 5',
    'alert 6',
    'alert 7',
  ]);
});

it('after a crash between Slack’s answer and our record, finds the folded message for every post in it and posts nothing twice', async () => {
  slack = await new SlackStandin({ channels: [channel('C0CRASH')] }).start();
  await ingestAll('C0CRASH', [
    'From: a@example.jp\r\nSubject: crash\r\nMessage-ID: <crash-first@example.jp>\r\n\r\nfirst\r\n',
    ...[1, 2, 3].map(
      (i) =>
        `From: a@example.jp\r\nSubject: Re: crash\r\nMessage-ID: <crash-${i}@example.jp>\r\nIn-Reply-To: <crash-first@example.jp>\r\n\r\nagain ${i}\r\n`,
    ),
  ]);
  await startPoster(['C0CRASH']);
  await waitFor(
    async () => (await world.db.slackPost.count({ where: { channelId: 'C0CRASH', state: { not: 'posted' } } })) === 0,
    20_000,
    'every post',
  );
  await poster!.stop();
  poster = undefined;
  const folded = slack.messages.filter((m) => m.channel === 'C0CRASH' && m.thread_ts);
  expect(folded).toHaveLength(1);
  // As if the process had died right after Slack took the message: all three still 'posting'.
  await world.db.slackPost.updateMany({
    where: { channelId: 'C0CRASH', kind: 'follow_up' },
    data: { state: 'posting', slackTs: null, claimedUntil: new Date(Date.now() - 1000) },
  });
  const postsBefore = slack.calls.filter((call) => call.method === 'chat.postMessage').length;
  await startPoster(['C0CRASH']);
  await waitFor(
    async () => (await world.db.slackPost.count({ where: { channelId: 'C0CRASH', state: { not: 'posted' } } })) === 0,
    20_000,
    'every post recovered',
  );
  expect(slack.calls.filter((call) => call.method === 'chat.postMessage')).toHaveLength(postsBefore);
  const rows = await world.db.slackPost.findMany({ where: { channelId: 'C0CRASH', kind: 'follow_up' } });
  expect(rows.map((row) => row.slackTs)).toEqual([folded[0]!.ts, folded[0]!.ts, folded[0]!.ts]);
});
