/**
 * Interaction acknowledgement time: how long Slack waits for the HTTP answer to a click
 * (it gives up at 3 s). N signed block_actions against the running bot, from members of
 * the channel, cycling through urgency changes, status changes and claim/unclaim of a few
 * tickets; timed from sending the request to the HTTP response. Also reports how long
 * until the ticket's message showed the change (chat.update), which happens after the ack.
 * Usage: npx tsx bench/interaction-ack.ts [N=200]
 */
import { openImap } from '../test/support/dovecot.js';
import { CHANNEL_ID, USERS } from '../test/support/fixture.js';
import { waitFor } from '../test/support/net.js';
import { machine, percentile, startWorld } from './support.js';

const count = Number(process.argv[2] ?? 200);
const world = await startWorld();
const { fixture } = world;
const imap = await openImap(world.dovecot, fixture.mailbox);
const TICKETS = 4;
for (let i = 0; i < TICKETS; i += 1) {
  await imap.append(
    'INBOX',
    `From: c${i}@example.jp\r\nTo: ${fixture.mailbox}\r\nSubject: ack probe ${i}\r\nMessage-ID: <ack-${i}-${Date.now()}@example.jp>\r\n\r\n応答時間 ${i}\r\n`,
  );
}
await imap.logout();
await waitFor(() => fixture.slack.posted(CHANNEL_ID).length === TICKETS, 30_000, 'the tickets');
const tickets = fixture.slack.posted(CHANNEL_ID).map((message) => ({
  ts: message.ts,
  id: (message.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id,
}));
// The tickets' ts are recorded a moment after posting.
await new Promise((resolve) => setTimeout(resolve, 1_000));

const urgencies = ['urgent', 'critical', 'normal'];
const statuses = ['in_progress', 'done', 'open'];
const acks: number[] = [];
const shown: number[] = [];
try {
  for (let i = 0; i < count; i += 1) {
    const ticket = tickets[i % TICKETS]!;
    const round = Math.floor(i / TICKETS);
    const user = i % 2 === 0 ? USERS.agentEn.id : USERS.agentJa.id;
    const action =
      i % 3 === 0
        ? {
            action_id: 'ticket.urgency',
            type: 'static_select',
            selected_option: { value: `${ticket.id}:${urgencies[round % 3]}` },
          }
        : i % 3 === 1
          ? {
              action_id: 'ticket.status',
              type: 'static_select',
              selected_option: { value: `${ticket.id}:${statuses[round % 3]}` },
            }
          : {
              action_id: round % 2 === 0 ? 'ticket.claim' : 'ticket.unclaim',
              type: 'button',
              value: String(ticket.id),
            };
    const updatesBefore = fixture.slack.calls.filter((call) => call.method === 'chat.update').length;
    const started = performance.now();
    const response = await fixture.requests.blockAction({
      userId: user,
      channelId: CHANNEL_ID,
      messageTs: ticket.ts,
      action,
    });
    acks.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`click ${i} answered ${response.status}`);
    // One click in ten: wait for the message to change, to see the whole round trip.
    if (i % 10 === 0) {
      await waitFor(
        () => fixture.slack.calls.filter((call) => call.method === 'chat.update').length > updatesBefore,
        10_000,
        'the update',
        2,
      ).catch(() => {});
      shown.push(performance.now() - started);
    }
    // People click, they do not hammer: about five clicks a second across the team.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
} finally {
  await world.stop();
}
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
console.log(
  `interaction ack time, ${count} signed clicks over HTTP (urgency, status, claim/unclaim on ${TICKETS} tickets)`,
);
console.log(
  `  ack: p50 ${fmt(percentile(acks, 50))}   p99 ${fmt(percentile(acks, 99))}   max ${fmt(Math.max(...acks))}`,
);
console.log(
  `  message updated (chat.update), ${shown.length} sampled: p50 ${fmt(percentile(shown, 50))}   max ${fmt(Math.max(...shown))}`,
);
console.log(`  machine: ${machine()}`);
