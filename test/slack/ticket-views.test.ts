import { describe, expect, it } from 'vitest';
import { DEFAULT_STATUSES } from '../../src/domain/ticket-fields.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { buildFollowUpMessage, buildMailBodyMessage } from '../../src/slack/views/mail-body-message.js';
import { buildTicketMessage, type TicketMessageInput } from '../../src/slack/views/ticket-message.js';
import { buildReplyModal } from '../../src/slack/views/reply-modals.js';
import { checkBlocks, checkView } from '../support/block-kit-rules.js';
import { mrkdwnTexts } from '../support/blocks.js';

const hostile = '<!channel> <!here> <@U123> <https://evil.example|bank> & *bold*';
const base: TicketMessageInput = {
  locale: 'ja',
  ticket: { id: 42, number: 7, subject: '返品について', status: 'open', urgency: 'urgent', assigneeId: null },
  sender: { name: '山田 太郎', address: 'taro@yahoo.co.jp' },
  flags: { freeMail: true },
  receivedAt: new Date('2026-11-23T00:00:00Z'),
  preview: '商品が届きません。',
  attachmentNames: ['請求書.pdf'],
  unreadable: false,
  statuses: DEFAULT_STATUSES,
};

describe('the ticket message', () => {
  it('does not let a sender name pose as another sender: no line breaks, bidi or zero-width tricks, fake brackets or badges, and a warning for another address', () => {
    const spoof = 'Acme Billing ‹billing@acme.example› `key account`\r\n\r\n\u202Eelpmaxe.live@reppils\u200B';
    const { blocks, text } = buildTicketMessage({
      ...base,
      locale: 'en',
      flags: {},
      sender: { name: spoof, address: 'mallory@evil.example' },
    });
    const from = mrkdwnTexts(blocks).find((line) => line.startsWith('*From:*'))!;
    expect(from).toMatch(
      /^\*From:\* mallory@evil\.example \(Acme Billing "billing@acme\.example" 'key account' elpmaxe\.live@reppils\) :warning: the name shows a different address/,
    );
    expect(from).not.toMatch(/[\r\n\u202E\u200B`‹›]/);
    expect(text).not.toMatch(/[\r\n\u202E\u200B]/);
    // A name that is just the sender's own address is no warning.
    const honest = buildTicketMessage({
      ...base,
      locale: 'en',
      sender: { name: 'taro@yahoo.co.jp', address: 'taro@yahoo.co.jp' },
    });
    expect(JSON.stringify(honest.blocks)).not.toContain('different address');
  });

  it('shows the mail, its sender and flags, where it stands, and the contract’s controls carrying only the ticket id', () => {
    const { blocks, text } = buildTicketMessage(base);
    const json = JSON.stringify(blocks);
    expect(blocks[0]).toMatchObject({ type: 'header', text: { text: '#7 返品について' } });
    // The real address first, the name after it.
    expect(json).toContain('taro@yahoo.co.jp (山田 太郎)');
    expect(json).toContain('フリーメール');
    expect(json).toContain('至急');
    expect(json).toContain('未割当');
    expect(json).toContain('請求書.pdf');
    const actions = blocks.find((block) => block.type === 'actions') as {
      elements: { action_id: string; value?: string }[];
    };
    expect(actions.elements.map((element) => element.action_id)).toEqual([
      ACTION_IDS.ticketClaim,
      ACTION_IDS.ticketAssign,
      ACTION_IDS.ticketStatus,
      ACTION_IDS.ticketUrgency,
      ACTION_IDS.ticketReply,
      ACTION_IDS.ticketHistory,
      ACTION_IDS.ticketTags,
      ACTION_IDS.ticketSnooze,
      ACTION_IDS.ticketMerge,
      ACTION_IDS.ticketJunk,
    ]);
    for (const element of actions.elements) if (element.value !== undefined) expect(element.value).toBe('42');
    expect(text).toContain('#7 返品について');
    expect(checkBlocks('message', blocks)).toEqual([]);
  });

  it('keeps a preview of nothing but "&" and "<" within the section limit', () => {
    for (const preview of ['&'.repeat(5000), '<'.repeat(5000), '&<>'.repeat(2000)]) {
      expect(checkBlocks('message', buildTicketMessage({ ...base, preview }).blocks)).toEqual([]);
    }
  });

  it('offers Unclaim and shows the assignee once claimed', () => {
    const json = JSON.stringify(
      buildTicketMessage({ ...base, ticket: { ...base.ticket, assigneeId: 'U0AGENT' } }).blocks,
    );
    expect(json).toContain(ACTION_IDS.ticketUnclaim);
    expect(json).not.toContain(ACTION_IDS.ticketClaim);
    expect(json).toContain('<@U0AGENT>');
  });

  it('stays within Block Kit and pings nobody, whatever the mail holds', () => {
    const worst = buildTicketMessage({
      ...base,
      locale: 'en',
      ticket: { ...base.ticket, subject: hostile.repeat(40) },
      sender: { name: hostile.repeat(20), address: 'x@example.com' },
      flags: {
        bounce: true,
        autoReply: true,
        list: true,
        fromSelf: true,
        unreplyable: true,
        freeMail: true,
        roleAddress: true,
      },
      preview: hostile.repeat(500),
      attachmentNames: Array.from({ length: 300 }, (_, i) => `${hostile}-${i}.pdf`),
      unreadable: true,
      tags: Array.from({ length: 30 }, (_, i) => `${'&'.repeat(38)}${i}`).concat(hostile),
      mailId: 123456789012,
      hasHtml: true,
    });
    expect(checkBlocks('message', worst.blocks)).toEqual([]);
    const parsed = [...mrkdwnTexts(worst.blocks), worst.text].join('\n');
    expect(parsed).not.toMatch(/<!channel>|<!here>|<@U123>|<https:\/\/evil/);
  });
});

describe('a Reply-To that is not the sender', () => {
  const replyTo = 'mallory@evil.example <!channel>';

  it('is a line of its own on the ticket message, in both languages, escaped', () => {
    const en = mrkdwnTexts(buildTicketMessage({ ...base, locale: 'en', replyTo }).blocks);
    expect(en).toContain(
      ':leftwards_arrow_with_hook: *Reply-To:* mallory@evil.example &lt;!channel&gt; — not the sender: a reply goes to this address',
    );
    const ja = buildTicketMessage({ ...base, replyTo });
    expect(mrkdwnTexts(ja.blocks).join('\n')).toContain(
      '*返信先（Reply-To）:* mallory@evil.example &lt;!channel&gt; — 差出人と異なります',
    );
    expect(checkBlocks('message', ja.blocks)).toEqual([]);
    expect(JSON.stringify(buildTicketMessage(base).blocks)).not.toContain('Reply-To');
  });

  it("is shown on a follow-up from someone on the ticket; a stranger's follow-up says it steers nothing instead", () => {
    const mail = { sender: base.sender, replyTo, receivedAt: base.receivedAt, text: 'hello', attachmentNames: [] };
    const participant = mrkdwnTexts(buildFollowUpMessage('en', mail).blocks).join('\n');
    expect(participant).toContain('*Reply-To:* mallory@evil.example &lt;!channel&gt;');
    const stranger = mrkdwnTexts(buildFollowUpMessage('en', { ...mail, stranger: true }).blocks).join('\n');
    expect(stranger).toContain('neither the customer nor on this ticket’s mails: it does not change where replies go');
    expect(stranger).not.toContain('Reply-To');
    expect(mrkdwnTexts(buildFollowUpMessage('ja', { ...mail, stranger: true }).blocks).join('\n')).toContain(
      '返信先は変わりません',
    );
  });

  it('is named in the reply modal beside the sender, under To', () => {
    const input = {
      ticketId: 5,
      ticketNumber: 12,
      draftId: 8,
      to: 'mallory@evil.example',
      cc: '',
      subject: 'Re: 返品',
      body: '',
      quoted: 'x',
      review: true,
    };
    const replyToNote = { replyTo, sender: 'taro@example.jp' };
    const en = buildReplyModal({ ...input, replyToNote, locale: 'en' });
    const blocks = en.blocks as { type: string; block_id?: string }[];
    const note = mrkdwnTexts(blocks[blocks.findIndex((block) => block.block_id === 'reply_to') + 1]).join('');
    expect(note).toBe(
      ':warning: Replies go to mallory@evil.example &lt;!channel&gt;, the mail’s Reply-To: it is not the sender, taro@example.jp.',
    );
    const ja = buildReplyModal({ ...input, replyToNote, locale: 'ja' });
    expect(mrkdwnTexts(ja.blocks).join('\n')).toContain(
      '返信先は mallory@evil.example &lt;!channel&gt;（メールの Reply-To）です。差出人 taro@example.jp とは異なります。',
    );
    expect(checkView(ja)).toEqual([]);
    expect(JSON.stringify(buildReplyModal({ ...input, locale: 'en' }).blocks)).not.toContain('Reply-To');
  });
});

describe('mail text in the thread', () => {
  it('shows the customer’s words, then the quoted history as a block quote, leaving nothing out', () => {
    const message = buildMailBodyMessage(
      'en',
      'Thanks!\n\nOn Mon, Nov 23, 2026 at 9:00 AM Support <support@example.com> wrote:\n> restart <it>',
    );
    const texts = mrkdwnTexts(message.blocks).join('\n');
    expect(texts).toContain('Thanks!');
    expect(texts).toContain('> On Mon, Nov 23, 2026 at 9:00 AM Support &lt;support@example.com&gt; wrote:');
    expect(texts).toContain('> &gt; restart &lt;it&gt;');
  });

  it('splits a long body over sections and says when it is cut', () => {
    const long = Array.from({ length: 3000 }, (_, i) => `${i} 長い本文の行です & <b>`).join('\n');
    for (const message of [
      buildMailBodyMessage('ja', long),
      buildFollowUpMessage('ja', {
        sender: base.sender,
        receivedAt: base.receivedAt,
        text: long,
        attachmentNames: ['a.pdf'],
      }),
    ]) {
      expect(checkBlocks('message', message.blocks)).toEqual([]);
      expect(JSON.stringify(message.blocks)).toContain('本文の続きは添付の .txt ファイルにあります');
      expect(message.text.length).toBeLessThanOrEqual(3000);
    }
  });
});

describe('tags and the original on the ticket message', () => {
  it('shows the tags escaped in code spans, in both languages, and a Tags button carrying the ticket id', () => {
    for (const locale of ['en', 'ja'] as const) {
      const { blocks } = buildTicketMessage({ ...base, locale, tags: ['vip', '<!channel> & co'] });
      const texts = mrkdwnTexts(blocks);
      const field = texts.find((text) => text.startsWith(locale === 'en' ? '*Tags*' : '*タグ*'))!;
      expect(field).toContain('`vip` `&lt;!channel&gt; &amp; co`');
      expect(texts.join('\n')).not.toContain('<!channel>');
      const json = JSON.stringify(blocks);
      expect(json).toContain(`"action_id":"${ACTION_IDS.ticketTags}"`);
    }
    // No tags, no field; the button is there all the same.
    const bare = buildTicketMessage(base);
    expect(mrkdwnTexts(bare.blocks).some((text) => text.startsWith('*タグ*'))).toBe(false);
    expect(JSON.stringify(bare.blocks)).toContain(ACTION_IDS.ticketTags);
  });

  it('offers the mail’s original beside its text (HTML only when it has some, the source always) and forwarding it, naming the mail', () => {
    const menu = (hasHtml: boolean) =>
      (
        buildTicketMessage({ ...base, locale: 'en', mailId: 345, hasHtml }).blocks.find(
          (block) => block.type === 'section' && 'accessory' in block,
        ) as { accessory: { action_id: string; options: { value: string; text: { text: string } }[] } }
      ).accessory;
    expect(menu(true).action_id).toBe(ACTION_IDS.mailOriginal);
    expect(menu(true).options.map((option) => [option.value, option.text.text])).toEqual([
      ['345:html', 'View the original (HTML)'],
      ['345:eml', 'Download the source (.eml)'],
      ['345:forward', 'Forward…'],
    ]);
    expect(menu(false).options.map((option) => option.value)).toEqual(['345:eml', '345:forward']);
    // Each follow-up in the thread has its own menu, naming its own mail.
    const followUp = buildFollowUpMessage('ja', {
      sender: base.sender,
      receivedAt: base.receivedAt,
      text: '追伸です',
      attachmentNames: [],
      id: 346,
      hasHtml: true,
    });
    expect(JSON.stringify(followUp.blocks)).toContain('"value":"346:html"');
    expect(JSON.stringify(followUp.blocks)).toContain('元のメールを表示（HTML）');
    expect(checkBlocks('message', followUp.blocks)).toEqual([]);
  });
});
