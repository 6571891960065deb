/**
 * Peak memory of the running bot (its whole process, parse workers included) while it
 * ingests and posts a mail with a 25 MB attachment, up to the attachment shared in the
 * ticket's thread (its bytes checked). Reads VmHWM from /proc.
 * Usage: npx tsx bench/attachment-rss.ts [MB=25]; RSS_TIMELINE=1 also prints RSS every 20 ms
 * with the number of Slack calls so far (which phase costs what).
 */
import { readFileSync } from 'node:fs';
import { openImap } from '../test/support/dovecot.js';
import { CHANNEL_ID } from '../test/support/fixture.js';
import { waitFor } from '../test/support/net.js';
import { machine, startWorld } from './support.js';

const megabytes = Number(process.argv[2] ?? 25);
// The bot as `npm start` runs it (package.json): glibc's malloc with two arenas instead of
// one per thread that allocates (each keeping what it freed), buffers of 128 KiB and more
// in memory of their own (given back when freed), a 2 MB young generation.
// BOT_NODE_OPTIONS replaces the Node flags and BOT_MALLOC_ENV the malloc settings
// (e.g. BOT_MALLOC_ENV='MALLOC_ARENA_MAX=2'), to compare.
const mallocEnv = Object.fromEntries(
  (process.env.BOT_MALLOC_ENV ?? 'MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072')
    .split(/\s+/)
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string]),
);
const world = await startWorld({
  ...mallocEnv,
  NODE_OPTIONS: process.env.BOT_NODE_OPTIONS ?? '--max-semi-space-size=2',
});
const pid = world.bot.child.pid!;
const memory = (field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const idle = memory('VmRSS');

const attachment = Buffer.alloc(megabytes * 1024 * 1024);
for (let i = 0; i < attachment.length; i += 1) attachment[i] = (i * 2654435761) >>> 24;
const base64 = attachment.toString('base64').replace(/.{76}/g, '$&\r\n');
const raw = Buffer.from(
  `From: big@example.jp\r\nTo: support@example.test\r\nSubject: 大きな添付ファイル\r\nMessage-ID: <big-${Date.now()}@example.jp>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n添付をご確認ください。\r\n--b\r\nContent-Type: application/octet-stream; name="data.bin"\r\nContent-Disposition: attachment; filename="data.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64}\r\n--b--\r\n`,
);
const imap = await openImap(world.dovecot, world.fixture.mailbox);
await imap.append('INBOX', raw);
await imap.logout();
const started = Date.now();
const { slack } = world.fixture;
const sharedFile = () => {
  const ticket = slack.posted(CHANNEL_ID)[0];
  const files = ticket ? slack.posted(CHANNEL_ID, ticket.ts).flatMap((message) => message.files ?? []) : [];
  return files.find((file) => file.name === 'data.bin');
};
const timeline: string[] = [];
const sampler = setInterval(
  () => timeline.push(`${Date.now() - started} ms ${memory('VmRSS').toFixed(0)} MiB slack calls ${slack.calls.length}`),
  20,
);
await waitFor(() => sharedFile() !== undefined, 120_000, 'the attachment shared in the thread', 50).catch(
  async (error: Error) => {
    // The bot's own account of what went wrong.
    console.error(
      world.bot.stdout
        .split('\n')
        .filter((line) => /"level":(40|50)/.test(line))
        .join('\n'),
    );
    await world.stop();
    throw error;
  },
);
clearInterval(sampler);
const seconds = (Date.now() - started) / 1000;
const peak = memory('VmHWM');
if (process.env.RSS_TIMELINE) console.log(timeline.join('\n'));
const uploaded = slack.files.get(sharedFile()!.id)?.bytes;
if (!uploaded?.equals(attachment)) throw new Error('the uploaded file differs from the attachment');
await world.stop();
console.log(`a ${megabytes} MB attachment (${(raw.length / 2 ** 20).toFixed(1)} MiB of mail) through the running bot`);
console.log(
  `  peak RSS ${peak.toFixed(0)} MiB (idle before: ${idle.toFixed(0)} MiB), attachment shared ${seconds.toFixed(1)} s after APPEND`,
);
console.log(`  machine: ${machine()}`);
