/**
 * The poster against the Slack stand-in, on a real SQLite file: per-channel pacing, a 429
 * that pauses only its own channel, and an outage that delays but loses and doubles nothing.
 */
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { ingestStoredMail } from '../../src/services/ingest-stored-mail.js';
import { storeRawMail } from '../../src/services/store-raw-mail.js';
import { SlackPoster } from '../../src/slack/slack-poster.js';
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

async function queueTickets(channelId: string, count: number): Promise<void> {
  const mailbox = await world.db.mailbox.create({ data: { key: `${channelId}-${Date.now()}`, address: `${channelId.toLowerCase()}@example.com`, name: channelId, channelId } });
  for (let i = 0; i < count; i += 1) {
    const stored = await storeRawMail(world.db, { mailboxId: mailbox.id, raw: Buffer.from(`From: c${i}@example.jp\r\nSubject: ${channelId} ${i}\r\nMessage-ID: <${channelId}-${i}@example.jp>\r\n\r\nbody ${i}\r\n`) });
    if (stored.stored) await ingestStoredMail({ db: world.db, parser: world.pool, logger: createLogger('silent'), ownAddresses: [] }, stored.messageRowId);
  }
}

async function startPoster(channels: string[]): Promise<SlackPoster> {
  poster = new SlackPoster(world.db, channels, { token: slack.botToken, apiUrl: slack.apiUrl, instanceId: 'test' }, createLogger('silent'));
  await poster.start();
  return poster;
}

const channel = (id: string) => ({ id, name: id, members: ['U0MAILBOT'] });

it('waits out a 429 in its own channel only, while the other channel goes on', async () => {
  slack = await new SlackStandin({ channels: [channel('C0BUSY'), channel('C0CALM')] }).start();
  await queueTickets('C0BUSY', 2);
  await queueTickets('C0CALM', 3);
  slack.failNext('chat.postMessage', 'ratelimited', { status: 429, retryAfter: 6, when: (args) => args.channel === 'C0BUSY' });
  await startPoster(['C0BUSY', 'C0CALM']);
  // Each ticket is two posts (ticket and body): 4 in the busy channel, 6 in the calm one.
  await waitFor(() => slack.messages.filter((m) => m.channel === 'C0CALM').length === 6, 15_000, 'the calm channel');
  const limited = slack.calls.find((call) => call.error === 'ratelimited')!;
  const busyPosts = slack.messages.filter((m) => m.channel === 'C0BUSY');
  expect(busyPosts).toHaveLength(0);
  await waitFor(() => slack.messages.filter((m) => m.channel === 'C0BUSY').length === 4, 15_000, 'the busy channel after its pause');
  const firstBusy = slack.calls.find((call) => call.method === 'chat.postMessage' && call.args.channel === 'C0BUSY' && !call.error)!;
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
  await waitFor(() => slack.messages.filter((m) => m.channel === 'C0DOWN').length === 4, 30_000, 'all posts after the outage');
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
  await waitFor(() => slack.messages.filter((m) => m.channel === 'C0LATER').length === 2, 15_000, 'the posts of the channel nobody watched at the start');
});
