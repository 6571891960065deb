/**
 * Latency from IMAP APPEND (the mail is on the server) to the bot's chat.postMessage of its
 * ticket, with IDLE, over N mails, one every 2 s (so Slack's per-channel pace never queues
 * them). Usage: npx tsx bench/inbound-latency.ts [N=50]
 */
import { openImap } from '../test/support/dovecot.js';
import { CHANNEL_ID } from '../test/support/fixture.js';
import { waitFor } from '../test/support/net.js';
import { machine, percentile, startWorld } from './support.js';

const count = Number(process.argv[2] ?? 50);
const world = await startWorld();
const imap = await openImap(world.dovecot, world.fixture.mailbox);
const latencies: number[] = [];
try {
  for (let i = 0; i < count; i += 1) {
    const subject = `latency probe ${i}`;
    await imap.append(
      'INBOX',
      `From: customer${i}@example.jp\r\nTo: support@example.test\r\nSubject: ${subject}\r\nMessage-ID: <latency-${i}-${Date.now()}@example.jp>\r\n\r\n遅延測定 ${i}\r\n`,
    );
    const appendedAt = Date.now();
    await waitFor(
      () => world.fixture.slack.posted(CHANNEL_ID).some((m) => JSON.stringify(m.blocks ?? []).includes(subject)),
      20_000,
      subject,
      5,
    );
    const call = world.fixture.slack.calls.find(
      (c) => c.method === 'chat.postMessage' && !c.error && JSON.stringify(c.args.blocks ?? []).includes(subject),
    )!;
    latencies.push(call.at - appendedAt);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
} finally {
  await imap.logout();
  await world.stop();
}
console.log(`inbound latency, APPEND → chat.postMessage, ${count} mails (IDLE)`);
console.log(
  `  p50 ${percentile(latencies, 50)} ms   p95 ${percentile(latencies, 95)} ms   max ${Math.max(...latencies)} ms   min ${Math.min(...latencies)} ms`,
);
console.log(`  machine: ${machine()}`);
