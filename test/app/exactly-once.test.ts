/**
 * Exactly once: the bot is killed with SIGKILL again and again while it works through a
 * backlog (once precisely between Slack posting a message and the bot hearing back), and
 * restarted each time. Every mail must end up as exactly one ticket post with exactly one
 * body in its thread.
 */
import { expect, it } from 'vitest';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, useFixture } from '../support/fixture.js';
import { MailroomProcess } from '../support/mailroom-process.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot } from '../support/services.js';

const MAILS = 10;

describeWithDovecot('exactly once under SIGKILL', (dovecot) => {
  const fixture = useFixture(dovecot);

  function headerOf(message: { blocks?: unknown[] }): string {
    return (message.blocks?.[0] as { text?: { text?: string } } | undefined)?.text?.text ?? '';
  }

  it('posts every mail of a backlog once although the bot is killed mid-way, repeatedly', async () => {
    const start = async () => {
      const bot = new MailroomProcess('src/main.ts', fixture.env(), fixture.dir);
      await bot.waitForLog('started');
      return bot;
    };
    // First start fixes the cursor; the backlog arrives while the bot is down.
    let bot = await start();
    await bot.waitForLog('imap_connected');
    await bot.stop();
    await appendMail(
      dovecot,
      fixture.mailbox,
      // Each mail quotes an earlier one, so its full text goes to the thread as a second post.
      Array.from({ length: MAILS }, (_, i) =>
        i % 2 === 0
          ? `From: customer${i}@example.jp\r\nTo: support@example.test\r\nSubject: backlog ${i}\r\nMessage-ID: <backlog-${i}@example.jp>\r\n\r\nmail number ${i}\r\n\r\nOn Mon, 1 Dec 2026 at 09:00, Support <support@example.test> wrote:\r\n> earlier ${i}\r\n`
          : // Every other mail carries a file, so file sharing is killed mid-way too.
            `From: customer${i}@example.jp\r\nTo: support@example.test\r\nSubject: backlog ${i}\r\nMessage-ID: <backlog-${i}@example.jp>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nmail number ${i}\r\n\r\nOn Mon, 1 Dec 2026 at 09:00, Support <support@example.test> wrote:\r\n> earlier ${i}\r\n--b\r\nContent-Type: text/plain; name="file-${i}.txt"\r\nContent-Disposition: attachment; filename="file-${i}.txt"\r\n\r\ncontent ${i}\r\n--b--\r\n`,
      ),
    );

    // Kill 1: inside Slack's answer to the 4th post, after Slack has stored the message.
    let posts = 0;
    fixture.slack.beforeAnswer = async (call) => {
      if (call.method !== 'chat.postMessage' || call.error) return;
      posts += 1;
      if (posts === 4) {
        bot.child.kill('SIGKILL');
        await bot.exited;
      }
    };
    bot = await start();
    await bot.exited;
    expect(bot.signal).toBe('SIGKILL');
    fixture.slack.beforeAnswer = undefined;

    // Kill 2 and 3: at whatever point the bot has reached after a moment of work.
    for (const afterMs of [700, 1_500]) {
      bot = await start();
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      bot.child.kill('SIGKILL');
      await bot.exited;
    }

    bot = await start();
    try {
      await waitFor(
        () => {
          const tickets = fixture.slack.posted(CHANNEL_ID);
          const files = fixture.slack.messages.flatMap((m) => m.files ?? []);
          return (
            tickets.length >= MAILS &&
            tickets.every((ticket) => fixture.slack.posted(CHANNEL_ID, ticket.ts).length >= 1) &&
            files.length >= MAILS / 2
          );
        },
        60_000,
        'every ticket and its body',
      );
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    } finally {
      await bot.stop();
    }

    const tickets = fixture.slack.posted(CHANNEL_ID);
    const subjects = tickets.map((ticket) => headerOf(ticket).replace(/^#\d+ /, '')).sort();
    expect(subjects).toEqual(Array.from({ length: MAILS }, (_, i) => `backlog ${i}`).sort());
    for (const ticket of tickets) {
      const thread = fixture.slack.posted(CHANNEL_ID, ticket.ts);
      expect(
        thread.filter((m) => m.blocks),
        headerOf(ticket),
      ).toHaveLength(1);
      expect(thread.filter((m) => m.files).length, headerOf(ticket)).toBe(
        Number(headerOf(ticket).split(' ').at(-1)) % 2,
      );
    }
    const sharedNames = fixture.slack.messages
      .flatMap((m) => m.files ?? [])
      .map((file) => file.name)
      .sort();
    expect(sharedNames).toEqual(Array.from({ length: MAILS / 2 }, (_, i) => `file-${i * 2 + 1}.txt`).sort());
    const numbers = tickets.map((ticket) => Number(/^#(\d+)/.exec(headerOf(ticket))?.[1])).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: MAILS }, (_, i) => i + 1));
    // Five starts of the bot and a paced backlog: longer than a unit test, on a busy CI box too.
  }, 120_000);
});
