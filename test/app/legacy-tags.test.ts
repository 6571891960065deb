/**
 * A ticket tagged the old way — its tags stored as a routing rule wrote them before tags
 * were normalised (`VIP`, ` Key  Account `) — is found by `/mail search tag:` once the bot
 * has started again, without anyone editing it; that rewrite is done once per database,
 * not at every start. The running bot against its real SQLite file, the mail through real
 * Dovecot, the search as Slack sends the command.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, USERS, useFixture } from '../support/fixture.js';
import { MailroomProcess } from '../support/mailroom-process.js';
import { postedTicket } from '../support/posted-ticket.js';
import { describeWithDovecot } from '../support/services.js';

describeWithDovecot('tags written before they were normalised', (dovecot) => {
  const fixture = useFixture(dovecot);
  let bot: MailroomProcess | undefined;
  const start = async () => {
    bot = new MailroomProcess('src/main.ts', fixture.env(), fixture.dir);
    await bot.waitForLog('started');
    await bot.waitForLog('imap_connected');
  };
  afterAll(async () => {
    await bot?.stop();
  });

  async function search(text: string): Promise<string> {
    const { responseId } = await fixture.requests.command({ text, userId: USERS.agentEn.id, channelId: CHANNEL_ID });
    return JSON.stringify(await fixture.slack.answerTo(responseId, 'the search answer'));
  }

  it('finds them by tag: after a restart, without an edit', async () => {
    await start();
    const subject = `Key account order ${Date.now()}`;
    await appendMail(dovecot, fixture.mailbox, [
      `From: buyer@big.example\r\nTo: ${fixture.mailbox}\r\nSubject: ${subject}\r\nMessage-ID: <legacy-${Date.now()}@big.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease ship.\r\n`,
    ]);
    const file = path.join(fixture.dir, 'data', 'mailroom.db');
    const reader = new Database(file, { readonly: true });
    const { ticketId } = await postedTicket(fixture, reader, subject);
    reader.close();
    await bot!.stop();

    // A database from before: a rule's tags as the old routing code wrote them (as
    // configured), and no record that they were ever rewritten.
    const writer = new Database(file);
    writer.prepare('UPDATE Ticket SET tags = ? WHERE id = ?').run('["VIP"," Key  Account "]', ticketId);
    writer.prepare('DELETE FROM Setting WHERE key = ?').run('legacy_tags_normalized');
    writer.close();

    await start();
    await bot!.waitForLog('legacy_tags_normalized');
    expect(await search('search tag:vip')).toContain(subject);
    expect(await search('search tag:"key account"')).toContain(subject);
    const stored = new Database(file, { readonly: true });
    expect((stored.prepare('SELECT tags FROM Ticket WHERE id = ?').get(ticketId) as { tags: string }).tags).toBe(
      '["vip","key account"]',
    );
    expect(stored.prepare('SELECT value FROM Setting WHERE key = ?').get('legacy_tags_normalized')).toEqual({
      value: '1',
    });
    stored.close();
  });

  it('does that work once: a later start does not look at the tickets again', async () => {
    await bot!.stop();
    const file = path.join(fixture.dir, 'data', 'mailroom.db');
    const writer = new Database(file);
    writer.prepare('UPDATE Ticket SET tags = ?').run('["Not Looked At"]');
    writer.close();
    await start();
    const stored = new Database(file, { readonly: true });
    expect(stored.prepare('SELECT DISTINCT tags FROM Ticket').all()).toEqual([{ tags: '["Not Looked At"]' }]);
    stored.close();
    expect(bot!.logLines.some((line) => line.code === 'legacy_tags_normalized')).toBe(false);
  });
});
