/**
 * `/mail search` and the History button driven the way Slack drives them: a signed slash
 * command and signed clicks against the running bot, mail delivered by real Dovecot, the
 * answers read from the response_url the stand-in records.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, USERS, useFixture } from '../support/fixture.js';
import { MailroomProcess } from '../support/mailroom-process.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot } from '../support/services.js';
import type { StoredMessage } from '../support/slack-standin.js';

describeWithDovecot('search and customer history in Slack', (dovecot) => {
  const fixture = useFixture(dovecot);
  let bot: MailroomProcess;
  const posted: { message: StoredMessage; ticketId: number }[] = [];

  beforeAll(async () => {
    bot = new MailroomProcess('src/main.ts', fixture.env(), fixture.dir);
    await bot.waitForLog('started');
    await bot.waitForLog('imap_connected');
    const subjects = Array.from({ length: 12 }, (_, i) => `返品の件 ${i + 1}`);
    await appendMail(
      dovecot,
      fixture.mailbox,
      subjects.map(
        (subject, i) =>
          `From: 田中 <tanaka@example.co.jp>\r\nTo: ${fixture.mailbox}\r\nSubject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=\r\nMessage-ID: <search-${i}-${Date.now()}@example.co.jp>\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nHello ${i}\r\n`,
      ),
    );
    await waitFor(
      () => fixture.slack.posted(CHANNEL_ID).filter((m) => JSON.stringify(m.blocks).includes('返品の件')).length === 12,
      30_000,
      'twelve tickets posted',
    );
    for (const message of fixture.slack
      .posted(CHANNEL_ID)
      .filter((m) => JSON.stringify(m.blocks).includes('返品の件'))) {
      posted.push({
        message,
        ticketId: (message.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id,
      });
    }
  }, 60_000);
  afterAll(async () => {
    await bot?.stop();
  });

  const answer = async (responseId: string) => {
    return (await fixture.slack.answerTo(responseId)) as {
      response_type?: string;
      replace_original?: boolean;
      blocks: { type: string; elements?: { action_id: string; value: string }[] }[];
    };
  };

  it('answers the searcher alone, ten at a time with permalinks, and pages on', async () => {
    const { responseId } = await fixture.requests.command({
      text: 'search 返品 from:tanaka',
      userId: USERS.agentJa.id,
      channelId: CHANNEL_ID,
    });
    const first = await answer(responseId);
    expect(first.response_type).toBe('ephemeral');
    const json = JSON.stringify(first.blocks);
    expect(json).toContain('返品の件 12');
    expect(json).toContain('https://standin.slack.test/archives/');
    const paging = first.blocks.find((block) => block.type === 'actions')!;
    expect(paging.elements!.map((element) => element.action_id)).toEqual(['search.next']);
    const next = `r-next-${Date.now()}`;
    await fixture.requests.blockAction({
      userId: USERS.agentJa.id,
      channelId: CHANNEL_ID,
      messageTs: '1700000000.000001',
      action: { action_id: 'search.next', type: 'button', value: paging.elements![0]!.value },
      responseId: next,
    });
    const second = await answer(next);
    expect(second.replace_original).toBe(true);
    expect(JSON.stringify(second.blocks)).toContain('返品の件 1');
    expect(JSON.stringify(second.blocks)).toContain('11〜12');
  });

  it('shows nothing to someone outside the channel', async () => {
    const { responseId } = await fixture.requests.command({
      text: 'search 返品',
      userId: USERS.outsider.id,
      channelId: CHANNEL_ID,
    });
    expect(JSON.stringify((await answer(responseId)).blocks)).toContain('not a member of any mailbox channel');
  });

  it('opens the customer’s history from the History button, and `/mail customer` by domain', async () => {
    const { message, ticketId } = posted[0]!;
    const responseId = `r-history-${Date.now()}`;
    await fixture.requests.blockAction({
      userId: USERS.agentEn.id,
      channelId: CHANNEL_ID,
      messageTs: message.ts,
      action: { action_id: 'ticket.history', type: 'button', value: String(ticketId) },
      responseId,
    });
    const history = JSON.stringify((await answer(responseId)).blocks);
    expect(history).toContain('tanaka@example.co.jp');
    expect(history).toContain('Tickets (12)');
    expect(history).toContain('example.co.jp (from the domain)');
    const { responseId: byDomain } = await fixture.requests.command({
      text: 'customer example.co.jp',
      userId: USERS.agentEn.id,
      channelId: CHANNEL_ID,
    });
    expect(JSON.stringify((await answer(byDomain)).blocks)).toContain('Customers at example.co.jp');
  });

  it('publishes the Home dashboard with the week as a chart uploaded to Slack', async () => {
    await fixture.requests.event({
      type: 'app_home_opened',
      user: USERS.agentJa.id,
      channel: 'D0HOME',
      tab: 'home',
      event_ts: String(Date.now() / 1000),
    });
    await waitFor(
      () =>
        fixture.slack
          .callsOf('views.publish')
          .some((call) => !call.error && JSON.stringify(call.args.view).includes('未担当')),
      10_000,
      'the dashboard',
    );
    const view = fixture.slack
      .callsOf('views.publish')
      .find((call) => !call.error && JSON.stringify(call.args.view).includes('未担当'))!.args.view as {
      blocks: { type: string; slack_file?: { id: string } }[];
    };
    expect(JSON.stringify(view)).toContain('未担当（12 件）');
    const image = view.blocks.find((block) => block.type === 'image')!;
    const file = fixture.slack.files.get(image.slack_file!.id)!;
    expect(file.shared).toBe(true);
    expect(file.bytes!.subarray(1, 4).toString('ascii')).toBe('PNG');
  });
});
