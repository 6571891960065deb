import { describe, expect, it } from 'vitest';
import { draftControls, draftShownWhole } from '../../src/domain/draft-controls.js';
import {
  buildDraftMessage,
  buildSentReplyMessage,
  type DraftMessageInput,
} from '../../src/slack/views/draft-message.js';
import { draftRefusalText } from '../../src/slack/views/draft-notices.js';
import { escapeMrkdwn } from '../../src/slack/views/escape.js';
import { buildHelpMessage } from '../../src/slack/views/help-message.js';
import { buildHomeView } from '../../src/slack/views/home-view.js';
import {
  buildReplySubmittedModal,
  problemText,
  REPLY_FIELDS,
  replySubmitErrors,
} from '../../src/slack/views/reply-modals.js';
import { composeSubmitErrors } from '../../src/slack/views/compose-modal.js';
import { checkBlocks, checkView } from '../support/block-kit-rules.js';
import { mrkdwnTexts } from '../support/blocks.js';

const hostile = {
  name: '<!channel> Support & <https://evil.example|Bank>',
  address: 'support@example.com',
  channelId: 'C0SUPPORT',
};

describe('escaping text for mrkdwn', () => {
  it('turns mentions and links from mail into plain text', () => {
    expect(escapeMrkdwn('<!channel> & <https://x.example|y>')).toBe(
      '&lt;!channel&gt; &amp; &lt;https://x.example|y&gt;',
    );
  });
});

describe('help and Home', () => {
  it('show a configured name as written in plain-text headers', () => {
    const header = buildHelpMessage('en', [{ ...hostile, name: 'Sales & Support' }]).blocks[0];
    expect(header).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: 'Mailroom: the Sales & Support mailbox in Slack' },
    });
  });

  it('never lets a configured name ping or link', () => {
    // Only mrkdwn is parsed for mentions and links; plain_text shows the characters as they are.
    const mrkdwn = mrkdwnTexts(buildHelpMessage('en', [hostile, { ...hostile, channelId: 'C0SALES' }]).blocks).join(
      '\n',
    );
    expect(mrkdwn).not.toContain('<!channel>');
    expect(mrkdwn).not.toContain('<https://evil');
    expect(mrkdwn).toContain('&lt;!channel&gt;');
  });

  it('fit Block Kit with many mailboxes, in both languages', () => {
    const mailboxes = Array.from({ length: 60 }, (_, i) => ({
      name: `受付窓口 ${i}`.repeat(5),
      address: `box${i}@example.com`,
      channelId: `C0BOX${i}`,
    }));
    for (const locale of ['ja', 'en'] as const) {
      const help = buildHelpMessage(locale, mailboxes);
      expect(checkBlocks('message', help.blocks)).toEqual([]);
      expect(checkView(buildHomeView(locale, mailboxes))).toEqual([]);
      // Split over sections, none lost.
      for (const mailbox of mailboxes) expect(JSON.stringify(help.blocks)).toContain(mailbox.address);
    }
  });
});

describe('a draft in the thread', () => {
  const draft = {
    id: 7,
    authorId: 'U0AUTHOR',
    revision: 2,
    state: 'in_review',
    to: 'taro@example.jp',
    cc: '',
    subject: 'Re: 返品',
    body: 'はい',
    signature: '',
  };
  const buttons = (input: Omit<DraftMessageInput, 'controls'>) => {
    const shownWhole = draftShownWhole(input.draft);
    const message = buildDraftMessage({
      ...input,
      controls: draftControls(input.draft.state, input.superseded, shownWhole),
      tooLong: !shownWhole,
    });
    expect(checkBlocks('message', message.blocks)).toEqual([]);
    const actions = message.blocks.find((block) => block.type === 'actions') as
      | { block_id: string; elements: { action_id: string; value: string; style?: string }[] }
      | undefined;
    return (
      actions && {
        blockId: actions.block_id,
        buttons: actions.elements.map(
          (button) => `${button.action_id}${button.style ? ` (${button.style})` : ''}=${button.value}`,
        ),
      }
    );
  };
  const input = { locale: 'en' as const, draft, superseded: false, reviewerMentions: '<@U0REVIEW>' };

  it('offers review while it waits, editing once changes are requested, discarding until approved, nothing after', () => {
    expect(buttons(input)).toEqual({
      blockId: 'draft-7-r2',
      buttons: ['draft.approve (primary)=7', 'draft.request_changes=7', 'draft.edit=7', 'draft.discard=7'],
    });
    expect(buttons({ ...input, draft: { ...draft, state: 'changes_requested' } })).toEqual({
      blockId: 'draft-7-r2',
      buttons: ['draft.edit (primary)=7', 'draft.discard=7'],
    });
    for (const state of ['approved', 'sent', 'failed', 'uncertain', 'discarded'])
      expect(buttons({ ...input, draft: { ...draft, state } })).toBeUndefined();
  });

  it('says what waits for review, and what the server refused, in the words of its kind, in both languages', () => {
    const waiting = (locale: 'en' | 'ja', kind: 'reply' | 'forward' | 'new', reviewerMentions = '<@U0REVIEW>') =>
      mrkdwnTexts(
        buildDraftMessage({ ...input, locale, kind, reviewerMentions, controls: draftControls('in_review', false) })
          .blocks,
      ).join('\n');
    expect(waiting('en', 'reply')).toContain('<@U0REVIEW>: this reply waits for your review.');
    expect(waiting('en', 'forward')).toContain('<@U0REVIEW>: this forward waits for your review.');
    expect(waiting('en', 'new')).toContain('<@U0REVIEW>: this new mail waits for your review.');
    expect(waiting('en', 'new', '')).toContain('This new mail waits for review.');
    expect(waiting('ja', 'forward')).toContain('承認待ちの転送があります');
    expect(waiting('ja', 'new', '')).toContain('この新規メールは承認待ちです');
    for (const [kind, words] of [
      ['forward', 'They did not get this forward.'],
      ['new', 'They did not get this mail.'],
    ] as const) {
      const sent = buildSentReplyMessage('en', {
        kind,
        to: 'a@example.jp',
        authorId: 'U0AGENT',
        reviewerId: null,
        body: 'x',
        sentAt: new Date(),
        refused: 'a@example.jp (550)',
      });
      expect(mrkdwnTexts(sent.blocks).join('\n')).toContain(words);
    }
  });

  it('refuses, and asks before discarding, in the words of its kind, in both languages', () => {
    const own = (locale: 'en' | 'ja', draftKind: 'reply' | 'forward' | 'new') =>
      draftRefusalText(locale, { kind: 'own_draft', draftKind });
    expect(own('en', 'reply')).toBe('You cannot approve your own reply; another reviewer has to. Nothing was changed.');
    expect(own('en', 'forward')).toContain('You cannot approve your own forward;');
    expect(own('en', 'new')).toContain('You cannot approve your own new mail;');
    expect(own('ja', 'forward')).toContain('自分の転送は承認できません');
    expect(own('ja', 'new')).toContain('自分の新規メールは承認できません');
    expect(draftRefusalText('en', { kind: 'not_reviewer', draftKind: 'forward' })).toContain('can approve forwards.');
    expect(draftRefusalText('en', { kind: 'too_long', draftKind: 'new' })).toContain('This new mail is too long');
    expect(draftRefusalText('ja', { kind: 'not_author', authorId: 'U0A', draftKind: 'forward' })).toContain(
      'この転送を編集できるのは作成者の <@U0A> さんだけです',
    );
    expect(draftRefusalText('en', { kind: 'not_editable', state: 'sent', draftKind: 'new' })).toBe(
      'This new mail is already sent; it cannot be changed now.',
    );
    // The modal's field errors too: the forward and new-mail modals are not a reply's.
    const empty = (locale: 'en' | 'ja', kind: 'reply' | 'forward' | 'new') =>
      problemText(locale, { kind: 'body_missing' }, kind);
    expect(empty('en', 'reply')).toBe('Write the reply first.');
    expect(empty('en', 'forward')).toBe('Write a note to go with the forward first.');
    expect(empty('en', 'new')).toBe('Write the mail first.');
    expect(empty('ja', 'new')).toBe('メール本文を入力してください。');
    expect(problemText('en', { kind: 'own_addresses', addresses: ['support@example.com'] }, 'forward')).toContain(
      'The forward would come back in as new mail.',
    );
    // A new mail reopened for editing is submitted from the reply modal: its kind, read by the service, words it.
    expect(
      replySubmitErrors('en', { kind: 'invalid', errors: { body: { kind: 'body_missing' } }, draftKind: 'new' }, 0),
    ).toEqual({ [REPLY_FIELDS.body.block]: 'Write the mail first.' });
    expect(composeSubmitErrors('ja', { kind: 'invalid', errors: { body: { kind: 'body_missing' } } })).toEqual({
      [REPLY_FIELDS.body.block]: 'メール本文を入力してください。',
    });
    const confirm = (kind: 'reply' | 'forward' | 'new') =>
      JSON.stringify(buildDraftMessage({ ...input, kind, controls: draftControls('in_review', false) }).blocks);
    expect(confirm('reply')).toContain('It will not be sent, and cannot be brought back.');
    expect(confirm('forward')).toContain('The forward will not be sent');
    expect(confirm('new')).toContain('its ticket will be closed');
  });

  it("shows the reviewer every recipient and every character that will be sent, within Slack's limits", () => {
    // The audit's reproduction: a payment instruction at the very end of a long reply.
    const body = `${'ご確認ください。'.repeat(900)}\n\nsend the refund to IBAN DE89 3704 0044 0532 0130 00`;
    const cc = Array.from({ length: 60 }, (_, i) => `colleague${i}@example.jp`).join(', ');
    const message = buildDraftMessage({
      ...input,
      draft: { ...draft, body, cc },
      controls: draftControls('in_review', false),
    });
    const shown = mrkdwnTexts(message.blocks).join('\n');
    expect(shown).toContain('IBAN DE89 3704 0044 0532 0130 00');
    expect(shown).toContain('colleague59@example.jp');
    expect(checkBlocks('message', message.blocks)).toEqual([]);
    expect(JSON.stringify(message.blocks).length).toBeLessThan(13_000);
  });

  it('cannot be approved when it is too long to show whole: it says so, and only sending it back or editing remain', () => {
    const body = `${'ご確認ください。'.repeat(1_200)}\n\nsend the refund to IBAN DE89 3704 0044 0532 0130 00`;
    expect(buttons({ ...input, draft: { ...draft, body } })).toEqual({
      blockId: 'draft-7-r2',
      buttons: ['draft.request_changes (primary)=7', 'draft.edit=7', 'draft.discard=7'],
    });
    const shown = mrkdwnTexts(
      buildDraftMessage({
        ...input,
        draft: { ...draft, body },
        controls: draftControls('in_review', false, false),
        tooLong: true,
      }).blocks,
    ).join('\n');
    expect(shown).toContain('cannot be approved in Slack');
    expect(draftShownWhole({ ...draft, body })).toBe(false);
    expect(draftShownWhole({ ...draft, body: 'はい' })).toBe(true);
  });

  it('shows the signature as it will be sent and the recipient warning, escaped, in both languages', () => {
    for (const [locale, label, warning] of [
      ['en', 'Signature, sent below the text:', 'added x@other.example (not on the customer’s mail)'],
      ['ja', '署名（本文の下に付けて送信）:', '削除 boss@example.jp（お客様のメールにあった宛先）'],
    ] as const) {
      const message = buildDraftMessage({
        ...input,
        locale,
        controls: draftControls('in_review', false, true),
        draft: { ...draft, signature: '佐藤 花子\n<!channel> Support & Co <support@example.com>' },
        recipientChanges: { added: ['x@other.example'], removed: ['boss@example.jp'] },
      });
      const text = JSON.stringify(message.blocks);
      expect(text).toContain(label);
      expect(text).toContain('佐藤 花子\\n&lt;!channel&gt; Support &amp; Co &lt;support@example.com&gt;');
      expect(text).not.toContain('<!channel>');
      expect(text).toContain(warning);
      expect(checkBlocks('message', message.blocks)).toEqual([]);
    }
    const plain = JSON.stringify(buildDraftMessage({ ...input, controls: [] }).blocks);
    expect(plain).not.toContain('Signature');
    expect(plain).not.toContain('recipients differ');
  });

  it('offers nothing on an earlier revision', () => {
    expect(buttons({ ...input, superseded: true })).toBeUndefined();
    expect(buttons({ ...input, superseded: true, draft: { ...draft, state: 'changes_requested' } })).toBeUndefined();
  });
});

describe('the author’s confirmation of a reply', () => {
  it('warns of recipients not as on the customer’s mail, in the author’s language; otherwise the modal just closes', () => {
    const changes = { added: ['x@other.example'], removed: [] };
    for (const [locale, words] of [
      ['en', 'added x@other.example (not on the customer’s mail)'],
      ['ja', '追加 x@other.example（お客様のメールにない宛先）'],
    ] as const) {
      for (const review of [true, false]) {
        const view = buildReplySubmittedModal(locale, { review, recipientChanges: changes });
        expect(checkView(view)).toEqual([]);
        expect(JSON.stringify(view)).toContain(words);
      }
    }
    expect(buildReplySubmittedModal('en', { review: true, recipientChanges: { added: [], removed: [] } })).toBeNull();
  });
});

describe('the sent reply', () => {
  it('says which recipients the mail server refused, escaped, in both languages', () => {
    for (const [locale, words] of [
      ['en', 'would not take it for'],
      ['ja', '配送を拒否しました'],
    ] as const) {
      const message = buildSentReplyMessage(locale, {
        to: 'taro@example.jp, gone@example.jp',
        authorId: 'U0AGENT',
        reviewerId: 'U0LEAD',
        body: 'お返事です',
        sentAt: new Date(),
        refused: 'gone@example.jp (550 <!channel> user unknown)',
      });
      const text = JSON.stringify(message.blocks);
      expect(text).toContain(words);
      expect(text).toContain('gone@example.jp');
      expect(text).not.toContain('<!channel>');
      expect(checkBlocks('message', message.blocks)).toEqual([]);
    }
    expect(
      JSON.stringify(
        buildSentReplyMessage('en', {
          to: 'a@example.jp',
          authorId: 'U0AGENT',
          reviewerId: null,
          body: 'x',
          sentAt: new Date(),
        }).blocks,
      ),
    ).not.toContain(':warning:');
  });
});
