/**
 * Several instances: on PostgreSQL two bots share the work (one syncs and posts, the other
 * stands by and takes over within 30 s when the first is killed), with Slack's requests
 * reaching either one, as behind a load balancer without sticky sessions. On SQLite a
 * second instance is refused.
 */
import os from 'node:os';
import { expect, it } from 'vitest';
import { createScratchDatabase } from '../../src/db/scratch-database.js';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, SIGNING_SECRET, USERS, useFixture } from '../support/fixture.js';
import { MailroomProcess } from '../support/mailroom-process.js';
import { freePort, waitFor } from '../support/net.js';
import { describeWithDovecot, describeWithPostgres } from '../support/services.js';
import { SlackRequests } from '../support/slack-requests.js';

describeWithDovecot('several instances', (dovecot) => {
  const fixture = useFixture(dovecot);

  it('on SQLite, refuses a second instance on the same file and names the first', async () => {
    const first = new MailroomProcess('src/main.ts', fixture.env(), fixture.dir);
    try {
      await first.waitForLog('started');
      const second = new MailroomProcess(
        'src/main.ts',
        fixture.env({ PORT: String(await freePort()), METRICS_PORT: String(await freePort()) }),
        fixture.dir,
      );
      expect(await second.exited).toBe(1);
      const refusal = second.logLines.find((line) => line.code === 'another_instance');
      expect(refusal, second.stdout + second.stderr).toBeDefined();
      expect(refusal!.msg).toMatch(/Another Mailroom \(.+:\d+\) is running on this SQLite file/);
      expect(refusal!.holder).toBe(`${os.hostname()}:${first.child.pid}`);
      // The first one never noticed.
      expect(first.ended).toBe(false);
    } finally {
      await first.stop();
    }
    // Once it is gone (even killed), a new one starts at once.
    const killed = new MailroomProcess('src/main.ts', fixture.env(), fixture.dir);
    await killed.waitForLog('started');
    killed.child.kill('SIGKILL');
    await killed.exited;
    const next = new MailroomProcess('src/main.ts', fixture.env(), fixture.dir);
    try {
      await next.waitForLog('started', 15_000);
    } finally {
      await next.stop();
    }
  }, 90_000);

  describeWithPostgres('on PostgreSQL', (adminUrl) => {
    it('two instances post every mail once, take over within 30 s of a SIGKILL, and send every approved reply once', async () => {
      const database = await createScratchDatabase('postgresql', adminUrl);
      const portB = await freePort();
      const env = { DATABASE_URL: database.url, REVIEWERS: USERS.reviewer.id };
      const a = new MailroomProcess('src/main.ts', fixture.env(env), fixture.dir);
      let b: MailroomProcess | undefined;
      const toB = new SlackRequests(`http://127.0.0.1:${portB}/slack/events`, SIGNING_SECRET, (id) =>
        fixture.slack.responseUrl(id),
      );
      const subjects = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, i) => `two instances ${from + i}`);
      const mail = (subject: string) =>
        `From: c-${subject.replace(/\D/g, '')}@example.jp\r\nTo: ${fixture.mailbox}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/ /g, '-')}-${Date.now()}@example.jp>\r\n\r\nbody of ${subject}\r\n`;
      const posted = (subject: string) =>
        fixture.slack
          .posted(CHANNEL_ID)
          .filter((m) =>
            ((m.blocks?.[0] as { text?: { text?: string } } | undefined)?.text?.text ?? '').endsWith(` ${subject}`),
          );
      try {
        await a.waitForLog('imap_connected');
        await a.waitForLog('started');
        b = new MailroomProcess(
          'src/main.ts',
          fixture.env({ ...env, PORT: String(portB), METRICS_PORT: String(await freePort()) }),
          fixture.dir,
        );
        await b.waitForLog('started');
        // B stands by: healthy, but not syncing.
        expect(b.logLines.some((line) => line.code === 'imap_connected')).toBe(false);
        expect((await fetch(`http://127.0.0.1:${portB}/healthz`)).status).toBe(200);

        await appendMail(dovecot, fixture.mailbox, subjects(0, 3).map(mail));
        await waitFor(() => subjects(0, 3).every((subject) => posted(subject).length >= 1), 20_000, 'the first mails');

        // A reply written through A, approved through B: one mail.
        const ticket = posted('two instances 0')[0]!;
        const ticketId = (ticket.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id;
        const opened = () => fixture.slack.calls.filter((call) => call.method === 'views.open' && !call.error);
        const before = opened().length;
        await fixture.requests.blockAction({
          userId: USERS.agentEn.id,
          channelId: CHANNEL_ID,
          messageTs: ticket.ts,
          action: { action_id: 'ticket.reply', type: 'button', value: String(ticketId) },
        });
        await waitFor(() => opened().length > before, 5_000, 'the reply modal');
        const modal = opened().at(-1)!.args.view as { private_metadata: string };
        await toB.viewSubmission({
          userId: USERS.agentEn.id,
          callbackId: 'reply.submit',
          privateMetadata: modal.private_metadata,
          values: {
            reply_to: { to: { type: 'plain_text_input', value: 'c-0@example.jp' } },
            reply_cc: { cc: { type: 'plain_text_input', value: '' } },
            reply_body: { body: { type: 'plain_text_input', value: 'Sent once.' } },
          },
        });
        let draftMessage: { ts: string; blocks?: unknown[] } | undefined;
        await waitFor(
          () =>
            !!(draftMessage = fixture.slack
              .posted(CHANNEL_ID, ticket.ts)
              .find((m) => JSON.stringify(m.blocks ?? []).includes('draft.approve'))),
          10_000,
          'the draft',
        );
        const actions = (
          draftMessage!.blocks as { type: string; block_id?: string; elements?: { value?: string }[] }[]
        ).find((block) => block.type === 'actions')!;
        const approve = {
          action_id: 'draft.approve',
          type: 'button',
          block_id: actions.block_id,
          value: actions.elements![0]!.value,
        };
        // A double click landing on both instances at once.
        await Promise.all([
          fixture.requests.blockAction({
            userId: USERS.reviewer.id,
            channelId: CHANNEL_ID,
            messageTs: draftMessage!.ts,
            action: approve,
          }),
          toB.blockAction({
            userId: USERS.reviewer.id,
            channelId: CHANNEL_ID,
            messageTs: draftMessage!.ts,
            action: approve,
          }),
        ]);
        await waitFor(() => fixture.smtp.mails.length >= 1, 10_000, 'the reply');

        // A dies; mail keeps arriving; B takes over.
        a.child.kill('SIGKILL');
        const killedAt = Date.now();
        await a.exited;
        await appendMail(dovecot, fixture.mailbox, subjects(3, 6).map(mail));
        await b.waitForLog('imap_connected', 35_000);
        const takeover = Date.now() - killedAt;
        expect(takeover).toBeLessThan(30_000);
        await waitFor(
          () => subjects(3, 6).every((subject) => posted(subject).length >= 1),
          30_000,
          'the mails after the takeover',
        );
        await new Promise((resolve) => setTimeout(resolve, 2_000));

        for (const subject of subjects(0, 6)) expect(posted(subject), subject).toHaveLength(1);
        expect(fixture.smtp.mails).toHaveLength(1);
        console.log(`takeover after SIGKILL: ${takeover} ms`);
      } finally {
        a.child.kill('SIGKILL');
        await b?.stop();
        await database.drop();
      }
    }, 120_000);
  });
});
