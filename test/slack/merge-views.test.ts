/**
 * What merging and splitting look like: the merged ticket's message (a pointer without
 * controls), the target's mail count, the traces with their Undo button and links, the
 * follow-ups' "split" menu, and the merge modal with what it reads back. Both languages,
 * within Block Kit's limits.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_STATUSES } from '../../src/domain/ticket-fields.js';
import { ACTION_IDS, CALLBACK_IDS } from '../../src/slack/ids.js';
import { buildFoldedFollowUpsMessage, buildFollowUpMessage } from '../../src/slack/views/mail-body-message.js';
import { buildMergeModal, mergeErrors, readMergeTarget } from '../../src/slack/views/merge-modal.js';
import { buildTicketMessage, type TicketMessageInput } from '../../src/slack/views/ticket-message.js';
import { buildRefusalNotice } from '../../src/slack/views/ticket-notices.js';
import { buildTraceMessage, type TraceInput } from '../../src/slack/views/trace-message.js';
import { checkBlocks, checkView } from '../support/block-kit-rules.js';
import { mrkdwnTexts } from '../support/blocks.js';

const base: TicketMessageInput = {
  locale: 'en',
  ticket: { id: 42, number: 7, subject: 'Order 1001 again', status: 'done', urgency: 'normal', assigneeId: null },
  sender: { name: 'Taro', address: 'taro@example.jp' },
  flags: {},
  receivedAt: new Date('2026-12-01T00:00:00Z'),
  preview: 'Where is my order?',
  attachmentNames: [],
  unreadable: false,
  statuses: DEFAULT_STATUSES,
};

const actionIds = (blocks: unknown[]) =>
  JSON.stringify(blocks)
    .match(/"action_id":"[^"]+"/g)
    ?.map((id) => id.slice(13, -1)) ?? [];

describe('the ticket message of a merge', () => {
  it('of the merged ticket says where it went, linked, and has no controls', () => {
    for (const locale of ['en', 'ja'] as const) {
      const message = buildTicketMessage({
        ...base,
        locale,
        merges: { into: { number: 3, link: 'https://slack.example/p1' }, mergedIn: null },
      });
      // No ticket controls; only the menu for the mail's original, which any mail has.
      expect(actionIds(message.blocks)).toEqual([]);
      expect(mrkdwnTexts(message.blocks).join('\n')).toContain(
        locale === 'en'
          ? 'Merged into <https://slack.example/p1|#3>'
          : '<https://slack.example/p1|#3> に統合されました',
      );
      expect(checkBlocks('message', message.blocks)).toEqual([]);
    }
  });

  it('of the target counts its mails now and shows the last one’s time', () => {
    const message = buildTicketMessage({
      ...base,
      merges: { into: null, mergedIn: { numbers: [8, 9], mails: 5, lastMailAt: new Date('2026-12-02T10:00:00Z') } },
    });
    const texts = mrkdwnTexts(message.blocks).join('\n');
    expect(texts).toContain('#8, #9 merged in · 5 mails · last mail <!date^1796205600^');
    expect(actionIds(message.blocks)).toContain(ACTION_IDS.ticketMerge);
    expect(checkBlocks('message', message.blocks)).toEqual([]);
  });
});

describe('traces of merges and splits', () => {
  const trace = (over: Partial<TraceInput>): TraceInput => ({
    locale: 'en',
    action: 'ticket.merged',
    actorId: 'U0AGENT1',
    detail: { sourceId: 42, sourceNumber: 7, targetId: 40, targetNumber: 3, mails: 2 },
    at: new Date('2026-12-01T00:00:00Z'),
    statuses: DEFAULT_STATUSES,
    ...over,
  });

  it('point from the source to the target, with an Undo that names the merge', () => {
    const pointer = buildTraceMessage(
      trace({ other: { number: 3, link: 'https://slack.example/p3' }, undo: { sourceId: 42, mergeAuditId: 99 } }),
    );
    expect(pointer.text).toContain('<@U0AGENT1> merged this ticket into <https://slack.example/p3|#3> (2 mail(s)');
    const button = (pointer.blocks.at(-1) as { elements: { action_id: string; value: string }[] }).elements[0]!;
    expect(button).toMatchObject({ action_id: ACTION_IDS.ticketMergeUndo, value: '42:99' });
    expect(checkBlocks('message', pointer.blocks)).toEqual([]);
  });

  it('note in the target what came in, and say the undo and the split in both languages', () => {
    const note = buildTraceMessage(
      trace({ action: 'ticket.merged_in', other: { number: 7, link: null }, undo: { sourceId: 42, mergeAuditId: 99 } }),
    );
    expect(note.text).toContain('#7 merged in by <@U0AGENT1>: 2 mail(s).');
    expect(buildTraceMessage(trace({ action: 'ticket.merged_in', locale: 'ja' })).text).toContain(
      '<@U0AGENT1> さんが #7 を統合しました：メール 2 件。',
    );
    expect(buildTraceMessage(trace({ action: 'ticket.merge_undone' })).text).toContain(
      'undid the merge of #7 into #3: 2 mail(s) went back to #7.',
    );
    const split = buildTraceMessage(
      trace({
        action: 'ticket.split',
        detail: { sourceNumber: 7, targetNumber: 12, mails: 1, sender: 'hanako@example.jp <!channel>' },
        other: { number: 12, link: 'https://slack.example/p12' },
      }),
    );
    expect(split.text).toContain(
      'hanako@example.jp &lt;!channel&gt; out into a new ticket, <https://slack.example/p12|#12>',
    );
    expect(actionIds(split.blocks)).toEqual([]);
    expect(
      buildTraceMessage(trace({ action: 'ticket.split_from', locale: 'ja', detail: { sourceNumber: 7 } })).text,
    ).toContain('このメールを #7 から分割しました');
  });
});

describe('a follow-up in the thread', () => {
  const mail = {
    id: 501,
    sender: base.sender,
    receivedAt: base.receivedAt,
    text: 'Also, my invoice is wrong.',
    attachmentNames: [],
  };
  type Heading = {
    type: string;
    accessory?: { action_id: string; value: string; text: { text: string }; confirm?: unknown };
  };

  it('has a button beside its heading to split it out, naming the mail, behind a confirmation', () => {
    const message = buildFollowUpMessage('ja', mail);
    const heading = message.blocks[0] as Heading;
    expect(heading.type).toBe('section');
    expect(heading.accessory).toMatchObject({
      action_id: ACTION_IDS.mailSplit,
      value: '501',
      text: { text: '別チケットに分割' },
    });
    expect(heading.accessory?.confirm).toBeDefined();
    // The menu beside the text stays the original's.
    expect(actionIds(message.blocks)).toEqual([ACTION_IDS.mailSplit, ACTION_IDS.mailOriginal]);
    expect(checkBlocks('message', message.blocks)).toEqual([]);
    // A mail not known by its row (an old payload): its heading as it was, nothing to click.
    const unnamed = buildFollowUpMessage('en', { ...mail, id: undefined });
    expect(unnamed.blocks[0]!.type).toBe('context');
    expect(actionIds(unnamed.blocks)).toEqual([]);
  });

  it('folded with others, each mail has its own button, within Block Kit', () => {
    const mails = Array.from({ length: 10 }, (_, i) => ({ ...mail, id: 600 + i, attachmentNames: ['a.pdf'] }));
    const message = buildFoldedFollowUpsMessage('en', mails);
    expect(actionIds(message.blocks).filter((id) => id === ACTION_IDS.mailSplit)).toHaveLength(10);
    expect(JSON.stringify(message.blocks)).toContain('"value":"609"');
    expect(checkBlocks('message', message.blocks)).toEqual([]);
  });

  it('after a split, says where the mail went in place of its text, folded or alone, in both languages', () => {
    const movedTo = { number: 12, link: 'https://slack.example/archives/C1/p2', actorId: 'U0AGENT' };
    const folded = buildFoldedFollowUpsMessage('en', [
      { ...mail, id: 600, text: 'the printer again' },
      { ...mail, id: 601, text: 'my invoice is wrong', movedTo },
    ]);
    const shown = mrkdwnTexts(folded.blocks).join('\n');
    expect(shown).toContain('the printer again');
    expect(shown).not.toContain('my invoice is wrong');
    expect(shown).toContain('Moved to <https://slack.example/archives/C1/p2|#12> by <@U0AGENT>');
    // Only the mail still here can be split.
    expect(JSON.stringify(folded.blocks)).toContain('"value":"600"');
    expect(JSON.stringify(folded.blocks)).not.toContain('"value":"601"');
    expect(checkBlocks('message', folded.blocks)).toEqual([]);
    const alone = buildFollowUpMessage('ja', { ...mail, id: 601, movedTo: { ...movedTo, link: null } });
    expect(mrkdwnTexts(alone.blocks).join('\n')).toContain('<@U0AGENT> さんが別のチケット #12 に分割しました');
    expect(actionIds(alone.blocks)).not.toContain(ACTION_IDS.mailSplit);
  });
});

describe('the merge modal', () => {
  const opening = {
    kind: 'choose' as const,
    ticketId: 42,
    number: 7,
    subject: 'Order 1001 again <!channel>',
    candidates: [
      { id: 40, number: 3, subject: 'Order 1001', status: 'done' },
      { id: 41, number: 5, subject: 'x'.repeat(200), status: 'open' },
    ],
    statuses: DEFAULT_STATUSES,
  };

  it('offers the customer’s tickets and a number field, and keeps the ticket in its metadata', () => {
    for (const locale of ['en', 'ja'] as const) {
      const view = buildMergeModal(locale, opening);
      expect(view.callback_id).toBe(CALLBACK_IDS.ticketMerge);
      expect(JSON.parse(view.private_metadata!)).toEqual({ ticketId: 42 });
      expect(checkView(view)).toEqual([]);
      expect(JSON.stringify(view.blocks)).not.toContain('<!channel>');
    }
    const options = JSON.stringify(buildMergeModal('en', opening).blocks);
    expect(options).toContain('#3 Order 1001 (Done)');
    // Without other tickets of the customer, only the number field.
    const alone = buildMergeModal('en', { ...opening, candidates: [] });
    expect((alone.blocks as { type: string }[]).filter((block) => block.type === 'input')).toHaveLength(1);
  });

  it('reads a typed number first, else the choice, and says what is wrong on the number field', () => {
    const values = (typed: string | null, chosen?: string) => ({
      merge_target_number: { number: { value: typed } },
      merge_target_choice: { ticket: { selected_option: chosen ? { value: chosen } : null } },
    });
    expect(readMergeTarget(values('#12', '3'))).toEqual({ kind: 'number', number: 12 });
    expect(readMergeTarget(values(' 12 '))).toEqual({ kind: 'number', number: 12 });
    expect(readMergeTarget(values(null, '3'))).toEqual({ kind: 'number', number: 3 });
    expect(readMergeTarget(values(''))).toEqual({ kind: 'number', number: null });
    const wrong = readMergeTarget(values('twelve'));
    expect(wrong).toEqual({ kind: 'not_a_number', text: 'twelve' });
    expect(mergeErrors('en', wrong as { kind: 'not_a_number'; text: string })).toEqual({
      merge_target_number: '“twelve” is not a ticket number.',
    });
    expect(
      mergeErrors('ja', { kind: 'refused', refusal: { kind: 'merge_target_merged', number: 3, intoNumber: 2 } }),
    ).toEqual({ merge_target_number: '#3 は #2 に統合済みです。#2 に統合してください。' });
    expect(mergeErrors('en', { kind: 'merged', targetNumber: 3, mails: 1 })).toBeNull();
  });

  it('tells a click on a merged ticket where it went, in the clicker’s language', () => {
    expect(buildRefusalNotice('en', { kind: 'merged', targetNumber: 3 }).text).toContain(
      'This ticket was merged into #3',
    );
    expect(buildRefusalNotice('ja', { kind: 'merge_undo_expired', mergedAt: new Date(0) }).text).toContain(
      '1 日以内だけです',
    );
  });
});
