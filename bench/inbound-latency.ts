/**
 * Latency from IMAP APPEND (the mail is on the server) to the bot's chat.postMessage of its
 * ticket, over N mails. With IDLE, one mail every 2 s (so Slack's per-channel pace never
 * queues them). With `--silent-idle`, through a proxy that holds back what Dovecot says
 * during IDLE (a server like Cyrus without `idled`), so mail waits for the sweep
 * (`--sweep S`, IMAP_SWEEP_SECONDS); the pause between mails is then 2 s plus a random part
 * of the sweep, so mails do not land at the same point of the sweep every time.
 * Usage: npx tsx bench/inbound-latency.ts [N=50] [--silent-idle] [--sweep S]
 */
import os from 'node:os';
import { openImap } from '../test/support/dovecot.js';
import { CHANNEL_ID } from '../test/support/fixture.js';
import { startImapProxy, type ImapProxy } from '../test/support/imap-proxy.js';
import { waitFor } from '../test/support/net.js';
import { machine, percentile, startWorld } from './support.js';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const count = Number(args.find((arg, index) => /^\d+$/.test(arg) && !args[index - 1]?.startsWith('--')) ?? 50);
const silentIdle = args.includes('--silent-idle');
const sweepSeconds = Number(option('--sweep') ?? 60);

let proxy: ImapProxy | undefined;
const world = await startWorld(
  { IMAP_SWEEP_SECONDS: String(sweepSeconds) },
  {
    envFor: async (dovecot): Promise<Record<string, string>> => {
      if (!silentIdle) return {};
      proxy = await startImapProxy(dovecot);
      proxy.silentIdle = true;
      return { IMAP_PORT: String(proxy.port), IMAP_TLS: 'none' };
    },
  },
);
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
      sweepSeconds * 1000 + 20_000,
      subject,
      5,
    );
    const call = world.fixture.slack.calls.find(
      (c) => c.method === 'chat.postMessage' && !c.error && JSON.stringify(c.args.blocks ?? []).includes(subject),
    )!;
    latencies.push(call.at - appendedAt);
    const pause = 2_000 + (silentIdle ? Math.random() * sweepSeconds * 1000 : 0);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
} finally {
  await imap.logout();
  await world.stop();
  await proxy?.stop();
}
const how = silentIdle ? `IDLE silent, sweep every ${sweepSeconds} s` : 'IDLE';
console.log(`inbound latency, APPEND → chat.postMessage, ${count} mails (${how})`);
console.log(
  `  p50 ${percentile(latencies, 50)} ms   p95 ${percentile(latencies, 95)} ms   max ${Math.max(...latencies)} ms   min ${Math.min(...latencies)} ms`,
);
console.log(`  machine: ${machine()}, load ${os.loadavg()[0]!.toFixed(1)}`);
