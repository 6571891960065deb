/**
 * Every mail of ../shared/corpus through the real path: appended to Dovecot, synced,
 * stored, parsed, posted to the Slack stand-in. Spread over several mailboxes (each its own
 * Dovecot user and channel, from a MAILROOM_CONFIG file) so Slack's per-channel pace does
 * not make the test slow, and so several mailboxes are exercised at once.
 */
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import path from 'node:path';
import { expect, it } from 'vitest';
import { dedupeKeyOf, sha256Hex } from '../../src/mail/raw-headers.js';
import { mrkdwnTexts } from '../support/blocks.js';
import { corpusMails } from '../support/corpus.js';
import { appendMail, DOVECOT_PASSWORD } from '../support/dovecot.js';
import { useFixture, USERS } from '../support/fixture.js';
import { MailroomProcess } from '../support/mailroom-process.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot } from '../support/services.js';

const BOXES = 8;

describeWithDovecot('the whole corpus through Slack', (dovecot) => {
  const fixture = useFixture(dovecot);

  it('posts one ticket per distinct mail, within Block Kit, with Japanese decoded, and nothing pings', async () => {
    const boxes = Array.from({ length: BOXES }, (_, i) => ({
      key: `box${i}`,
      user: `corpus${i}-${path.basename(fixture.dir)}@example.test`,
      channel: `C0CORPUS${i}`,
    }));
    for (const box of boxes)
      fixture.slack.channels.set(box.channel, {
        id: box.channel,
        name: box.key,
        members: ['U0MAILBOT', USERS.agentEn.id],
      });
    const configFile = path.join(fixture.dir, 'mailroom.yml');
    writeFileSync(
      configFile,
      JSON.stringify({
        defaults: {
          smtp: { host: '127.0.0.1', port: fixture.smtp.port, secure: false },
          reviewPolicy: 'none',
          imap: { host: dovecot.host, port: dovecot.port, secure: false, password: DOVECOT_PASSWORD },
        },
        mailboxes: boxes.map((box) => ({
          key: box.key,
          address: box.user,
          channel: box.channel,
          locale: 'ja',
          imap: { host: dovecot.host, port: dovecot.port, secure: false, password: DOVECOT_PASSWORD, user: box.user },
        })),
      }),
    );
    const bot = new MailroomProcess('src/main.ts', fixture.env({ MAILROOM_CONFIG: configFile }), fixture.dir);
    try {
      await bot.waitForLog('started');
      await waitFor(
        () => bot.logLines.filter((line) => line.code === 'imap_connected').length >= BOXES,
        20_000,
        'every mailbox connected',
      );

      const mails = corpusMails();
      const expected = boxes.map(() => new Set<string>());
      await Promise.all(
        boxes.map((box, b) => {
          const mine = mails.filter((_, i) => i % BOXES === b);
          for (const { raw } of mine) expected[b]!.add(dedupeKeyOf(raw, sha256Hex(raw)));
          return appendMail(
            dovecot,
            box.user,
            mine.map(({ raw }) => raw),
          );
        }),
      );
      const total = expected.reduce((sum, keys) => sum + keys.size, 0);
      await waitFor(
        () => boxes.every((box, b) => fixture.slack.posted(box.channel).length >= expected[b]!.size),
        150_000,
        `${total} ticket posts`,
        200,
      );
      // Then the threads fill in: full texts the ticket message could not show whole, and
      // files. Done when the bot's queue of Slack posts is empty.
      const db = new Database(path.join(fixture.dir, 'data', 'mailroom.db'), { readonly: true });
      try {
        const unfinished = () =>
          (
            db.prepare(`SELECT COUNT(*) AS n FROM SlackPost WHERE state IN ('queued', 'posting')`).get() as {
              n: number;
            }
          ).n;
        await waitFor(() => unfinished() === 0, 90_000, 'every thread post', 500);
      } finally {
        db.close();
      }

      boxes.forEach((box, b) => expect(fixture.slack.posted(box.channel), box.key).toHaveLength(expected[b]!.size));
      const oneMessage: string[] = [];
      const withCopy: string[] = [];
      for (const box of boxes) {
        for (const ticket of fixture.slack.posted(box.channel)) {
          const thread = fixture.slack.posted(box.channel, ticket.ts);
          const bodies = thread.filter((m) => m.blocks).length;
          expect(bodies, 'at most one full text per ticket').toBeLessThanOrEqual(1);
          // No copy in the thread only where the ticket message cut nothing.
          if (bodies === 0) expect(mrkdwnTexts(ticket.blocks).join('\n')).not.toMatch(/…$/m);
          expect(
            thread.filter((m) => m.files).length,
            'at most three file shares (ten files each) per ticket',
          ).toBeLessThanOrEqual(3);
          (bodies ? withCopy : oneMessage).push(ticket.ts);
        }
      }
      // Both kinds occur in the corpus: short mails are one message, long ones keep their copy.
      expect(oneMessage.length).toBeGreaterThan(10);
      expect(withCopy.length).toBeGreaterThan(10);
      const shared = fixture.slack.messages.flatMap((m) => m.files ?? []);
      expect(shared.length).toBeGreaterThan(10);
      expect(shared.map((f) => f.name)).toContain('てすと.txt');
      const refused = fixture.slack.calls.filter((call) => call.method === 'chat.postMessage' && call.error);
      expect(refused.map((call) => call.error)).toEqual([]);
      expect(bot.logLines.filter((line) => line.level === 'error' || line.level === 'fatal')).toEqual([]);

      const all = boxes.flatMap((box) => fixture.slack.posted(box.channel));
      const threads = boxes.flatMap((box) =>
        fixture.slack.posted(box.channel).flatMap((ticket) => fixture.slack.posted(box.channel, ticket.ts)),
      );
      const headers = all.map((post) => (post.blocks![0] as { text: { text: string } }).text.text);
      expect(headers).toContainEqual(expect.stringMatching(/^#\d+ まみむめも$/));
      expect(headers).toContainEqual(expect.stringMatching(/^#\d+ (まみむめも){10}$/));
      const texts = [...all, ...threads].flatMap((post) => [...mrkdwnTexts(post.blocks), post.text ?? '']).join('\n');
      expect(texts).toContain('このメールはテスト用のメールです。');
      expect(texts).toContain('てすと.txt');
      expect(texts).not.toMatch(/<!(channel|here|everyone)>/);
    } finally {
      await bot.stop();
    }
  }, 240_000);
});
