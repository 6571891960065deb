/**
 * Peak memory of the running bot (its whole process) while it sends a reply with a 20 MB
 * attachment: a colleague shares the file in the ticket's thread, the author attaches it,
 * the reviewer approves, and the bot fetches it from Slack, builds the mail, stores it in
 * the outbox, sends it over SMTP and appends the copy to the Sent folder. The peak is
 * reset just before the approval (clear_refs), so the ticket's own ingest is not counted;
 * the mail's attachment is checked byte for byte. Reads VmHWM from /proc.
 * Usage: npx tsx bench/reply-attachment-rss.ts [MB=20]; BOT_NODE_OPTIONS replaces the Node flags; RSS_TIMELINE=1 also prints RSS every 20 ms
 * with what has happened so far (files downloaded, mails at the SMTP server, the bot's last log line).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { appendMail } from '../test/support/dovecot.js';
import { CHANNEL_ID, USERS } from '../test/support/fixture.js';
import { waitFor } from '../test/support/net.js';
import { openReplyModal, submitReplyModal } from '../test/support/reply-modal.js';
import type { StoredMessage } from '../test/support/slack-standin.js';
import { machine, startWorld } from './support.js';

const megabytes = Number(process.argv[2] ?? 20);
// The bot as `npm start` runs it (package.json; see attachment-rss.ts).
const world = await startWorld({
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  NODE_OPTIONS: process.env.BOT_NODE_OPTIONS ?? '--max-semi-space-size=2',
  LOG_LEVEL: 'info',
  REVIEWERS: USERS.reviewer.id,
  REPLY_ATTACHMENT_MAX_MB: String(Math.max(20, megabytes)),
});
const { fixture } = world;
const { slack } = fixture;
const pid = world.bot.child.pid!;
const memory = (field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

try {
  const subject = `大きな資料 ${Date.now()}`;
  await appendMail(world.dovecot, fixture.mailbox, [
    `From: customer@example.jp\r\nTo: ${fixture.mailbox}\r\nSubject: ${subject}\r\nMessage-ID: <rss-${Date.now()}@example.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n資料をお送りください。\r\n`,
  ]);
  let ticket: StoredMessage | undefined;
  await waitFor(
    () => !!(ticket = slack.posted(CHANNEL_ID).find((m) => JSON.stringify(m.blocks).includes(subject))),
    30_000,
    'the ticket',
  );
  const ticketId = (ticket!.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id;

  const bytes = Buffer.alloc(megabytes * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 2654435761) >>> 24;
  const file = slack.addUserFile({
    name: 'catalogue.pdf',
    mimetype: 'application/pdf',
    bytes,
    user: USERS.agentEn.id,
  });
  await fixture.requests.event(slack.shareUserFile(String(file.id), CHANNEL_ID, ticket!.ts));
  // The comment with its file is recorded as the event is handled; give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  const modal = await openReplyModal(fixture, USERS.agentJa.id, ticket!, ticketId);
  const submitted = await submitReplyModal(fixture, USERS.agentJa.id, modal.private_metadata, {
    to: 'customer@example.jp',
    body: '資料を添付いたします。',
    threadFiles: [{ text: 'catalogue.pdf', value: String(file.id) }],
  });
  if (submitted.body !== '') throw new Error(`the reply was refused: ${submitted.body}`);
  let draftPost: StoredMessage | undefined;
  await waitFor(
    () =>
      !!(draftPost = slack
        .posted(CHANNEL_ID, ticket!.ts)
        .find((m) => JSON.stringify(m.blocks ?? []).includes('draft.approve'))),
    10_000,
    'the draft',
  );
  const actions = (draftPost!.blocks as { type: string; block_id?: string; elements?: { value?: string }[] }[]).find(
    (block) => block.type === 'actions',
  )!;

  const idle = memory('VmRSS');
  // Resets VmHWM to the current RSS (proc(5)): the peak from here on is the reply's.
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const started = Date.now();
  const timeline: string[] = [];
  const sampler = setInterval(() => {
    const last = world.bot.logLines.at(-1)?.code;
    timeline.push(
      `${Date.now() - started} ms ${memory('VmRSS').toFixed(0)} MiB downloads ${slack.downloads.length} smtp ${fixture.smtp.mails.length} ${String(last)}`,
    );
  }, 20);
  await fixture.requests.blockAction({
    userId: USERS.reviewer.id,
    channelId: CHANNEL_ID,
    messageTs: ticket!.ts,
    action: {
      action_id: 'draft.approve',
      type: 'button',
      block_id: actions.block_id,
      value: actions.elements![0]!.value,
    },
  });
  await waitFor(() => fixture.smtp.mails.length === 1, 120_000, 'the mail at the SMTP server', 50);
  await world.bot.waitForLog('reply_copied_to_sent', 120_000);
  clearInterval(sampler);
  if (process.env.RSS_TIMELINE) console.log(timeline.join('\n'));
  const seconds = (Date.now() - started) / 1000;
  const peak = memory('VmHWM');

  const parsed = await simpleParser(fixture.smtp.mails[0]!.raw);
  const attached = parsed.attachments[0];
  if (!attached || sha256(attached.content) !== sha256(bytes))
    throw new Error('the attachment in the sent mail differs from the file');
  console.log(
    `a reply with a ${megabytes} MB attachment (${(fixture.smtp.mails[0]!.raw.length / 2 ** 20).toFixed(1)} MiB of mail) through the running bot`,
  );
  console.log(
    `  peak RSS ${peak.toFixed(0)} MiB (before approving: ${idle.toFixed(0)} MiB), sent and copied to Sent ${seconds.toFixed(1)} s after the approval`,
  );
  console.log(`  machine: ${machine()}`);
} finally {
  await world.stop();
}
