import { describe, expect, it } from 'vitest';
import { planTicketChange, TICKET_ACTIONS, type TicketState } from '../../src/domain/ticket-change.js';
import { replySubject } from '../../src/domain/reply-subject.js';
import { DEFAULT_STATUSES, type StatusDefinition } from '../../src/domain/ticket-fields.js';
import { readActionId } from '../../src/slack/read-action-id.js';
import { readTicketAction } from '../../src/slack/read-ticket-action.js';
import { buildCollisionModal, buildReplyModal } from '../../src/slack/views/reply-modals.js';
import { buildTicketMessage } from '../../src/slack/views/ticket-message.js';
import { buildTraceMessage } from '../../src/slack/views/trace-message.js';
import { checkBlocks, checkView } from '../support/block-kit-rules.js';

const now = new Date('2026-11-24T01:00:00Z');
const open: TicketState = {
  status: 'open',
  urgency: 'normal',
  assigneeId: null,
  claimedAt: null,
  junk: false,
  closedAt: null,
};
const statuses: StatusDefinition[] = [
  ...DEFAULT_STATUSES,
  { key: 'waiting_customer', labelJa: '顧客の返事待ち', labelEn: 'Waiting for the customer', category: 'pending' },
];

describe('planning a change to a ticket', () => {
  it('claims only an unclaimed ticket, conditionally, moving an untouched one to in progress', () => {
    expect(planTicketChange(open, { kind: 'claim' }, 'U1', statuses, now)).toMatchObject({
      kind: 'apply',
      expect: { assigneeId: null },
      data: { assigneeId: 'U1', claimedAt: now, status: 'in_progress' },
      action: TICKET_ACTIONS.claimed,
    });
    const waiting = { ...open, status: 'waiting_customer' };
    expect(planTicketChange(waiting, { kind: 'claim' }, 'U1', statuses, now)).not.toHaveProperty('data.status');
    const claimed = { ...open, assigneeId: 'U2', claimedAt: now };
    expect(planTicketChange(claimed, { kind: 'claim' }, 'U1', statuses, now)).toEqual({
      kind: 'refuse',
      reason: 'claimed_by_other',
      assigneeId: 'U2',
      since: now,
    });
    expect(planTicketChange(claimed, { kind: 'claim' }, 'U2', statuses, now)).toEqual({
      kind: 'refuse',
      reason: 'already_yours',
    });
  });

  it('lets only the assignee unclaim, and anyone assign (conditional on the assignee seen)', () => {
    const claimed = { ...open, assigneeId: 'U2', claimedAt: now };
    expect(planTicketChange(claimed, { kind: 'unclaim' }, 'U1', statuses, now)).toMatchObject({
      kind: 'refuse',
      reason: 'not_assignee',
    });
    expect(planTicketChange(claimed, { kind: 'unclaim' }, 'U2', statuses, now)).toMatchObject({
      kind: 'apply',
      expect: { assigneeId: 'U2' },
      data: { assigneeId: null },
    });
    expect(planTicketChange(claimed, { kind: 'assign', assigneeId: 'U3' }, 'U1', statuses, now)).toMatchObject({
      kind: 'apply',
      expect: { assigneeId: 'U2' },
      detail: { from: 'U2', to: 'U3' },
    });
  });

  it('knows custom statuses and their categories: closing sets closedAt, reopening clears it', () => {
    expect(planTicketChange(open, { kind: 'status', status: 'done' }, 'U1', statuses, now)).toMatchObject({
      data: { status: 'done', closedAt: now },
    });
    const closed = { ...open, status: 'done', closedAt: now };
    expect(planTicketChange(closed, { kind: 'status', status: 'waiting_customer' }, 'U1', statuses, now)).toMatchObject(
      { data: { closedAt: null } },
    );
    expect(planTicketChange(open, { kind: 'status', status: 'nope' }, 'U1', statuses, now)).toMatchObject({
      kind: 'refuse',
      reason: 'unknown_status',
    });
    expect(planTicketChange(open, { kind: 'status', status: 'open' }, 'U1', statuses, now)).toEqual({
      kind: 'unchanged',
    });
    expect(planTicketChange(open, { kind: 'urgency', urgency: 'panic' }, 'U1', statuses, now)).toMatchObject({
      reason: 'unknown_urgency',
    });
  });

  it('toggles junk, conditional on the state seen', () => {
    expect(planTicketChange(open, { kind: 'junk' }, 'U1', statuses, now)).toMatchObject({
      expect: { junk: false },
      data: { junk: true },
      action: TICKET_ACTIONS.junk,
    });
    expect(planTicketChange({ ...open, junk: true }, { kind: 'junk' }, 'U1', statuses, now)).toMatchObject({
      data: { junk: false },
      action: TICKET_ACTIONS.unjunk,
    });
  });
});

describe('reading a click', () => {
  it('takes the ticket id from the value, the option, or the block of the people menu, and nothing else', () => {
    expect(readTicketAction({ action_id: 'ticket.claim', value: '12' })).toEqual({
      ticketId: 12,
      change: { kind: 'claim' },
    });
    expect(readTicketAction({ action_id: 'ticket.status', selected_option: { value: '12:waiting_customer' } })).toEqual(
      { ticketId: 12, change: { kind: 'status', status: 'waiting_customer' } },
    );
    expect(
      readTicketAction({ action_id: 'ticket.assign', block_id: 'ticket-12-controls', selected_user: 'U0ABC' }),
    ).toEqual({ ticketId: 12, change: { kind: 'assign', assigneeId: 'U0ABC' } });
    expect(readTicketAction({ action_id: 'ticket.claim', value: '12; DROP TABLE' })).toBeNull();
    expect(readTicketAction({ action_id: 'ticket.urgency', selected_option: { value: '12:<!channel>' } })).toBeNull();
    expect(readTicketAction({ action_id: 'ticket.assign', block_id: 'other', selected_user: 'U0ABC' })).toBeNull();
  });

  it('reads an id from a value only as the digits we wrote', () => {
    expect(readActionId('12')).toBe(12);
    for (const value of [undefined, null, '', ' 12', '12.0', '1e3', '-1', '0x1f', '1234567890123'])
      expect(readActionId(value), String(value)).toBeNull();
  });
});

describe('what a change shows', () => {
  it('says a forward or a new mail in its own words when it is approved, fails or may have gone', () => {
    const base = { actorId: 'U0AAA', at: now, statuses };
    const trace = (locale: 'en' | 'ja', action: string, draftKind?: string) =>
      buildTraceMessage({ ...base, locale, action, detail: { authorId: 'U0BBB', draftKind, reason: '550' } }).text;
    expect(trace('en', TICKET_ACTIONS.draftApproved)).toContain('approved the reply by <@U0BBB>');
    expect(trace('en', TICKET_ACTIONS.draftApproved, 'forward')).toContain('approved the forward by <@U0BBB>');
    expect(trace('ja', TICKET_ACTIONS.draftApproved, 'new')).toContain('<@U0BBB> さんの新規メールを承認しました');
    expect(trace('en', TICKET_ACTIONS.replyFailed, 'new')).toContain('The new mail could not be sent.');
    expect(trace('en', TICKET_ACTIONS.replyUncertain, 'forward')).toContain('sending this forward');
  });

  it('lists the tags put on and taken off as the ticket lists tags: escaped, and as many as fit, then how many more', () => {
    const base = { actorId: 'U0AAA', at: now, statuses };
    const trace = (added: string[], removed: string[]) =>
      buildTraceMessage({ ...base, locale: 'en', action: TICKET_ACTIONS.tags, detail: { added, removed } }).text;
    expect(trace(['vip', '<!channel>'], ['billing dept'])).toContain('+`vip` +`&lt;!channel&gt;` −`billing dept`');
    const many = Array.from({ length: 60 }, (_, i) => `${'x'.repeat(38)}${i}`);
    const text = trace(many, []);
    expect(text).toMatch(/\+\d+ more/);
    expect(text.length).toBeLessThan(3_000);
  });

  it('writes the trace in the mailbox language, mentioning the person assigned', () => {
    const base = { actorId: 'U0AAA', at: now, statuses };
    expect(
      buildTraceMessage({ ...base, locale: 'ja', action: TICKET_ACTIONS.assigned, detail: { from: null, to: 'U0BBB' } })
        .text,
    ).toContain('<@U0AAA> さんが <@U0BBB> さんを担当者にしました。');
    expect(
      buildTraceMessage({
        ...base,
        locale: 'en',
        action: TICKET_ACTIONS.status,
        detail: { from: 'open', to: 'waiting_customer' },
      }).text,
    ).toContain('Open → Waiting for the customer');
    expect(
      buildTraceMessage({
        ...base,
        locale: 'ja',
        action: TICKET_ACTIONS.urgency,
        detail: { from: 'normal', to: 'critical' },
      }).text,
    ).toContain('通常 → 大至急');
    expect(
      buildTraceMessage({
        ...base,
        locale: 'ja',
        action: TICKET_ACTIONS.claimed,
        detail: { to: 'U0AAA', status: 'in_progress' },
      }).text,
    ).toContain('担当しました（対応中）');
    // Only a plain user id becomes a mention.
    expect(
      buildTraceMessage({ ...base, locale: 'en', action: TICKET_ACTIONS.assigned, detail: { to: '!channel' } }).text,
    ).not.toContain('<!channel>');
  });

  it('folds a junk ticket to its title and the way back, within Block Kit limits', () => {
    const message = buildTicketMessage({
      locale: 'en',
      ticket: {
        id: 5,
        number: 9,
        subject: '<!channel> win a prize',
        status: 'open',
        urgency: 'normal',
        assigneeId: null,
        junk: true,
      },
      sender: { name: 'Spam', address: 'spam@example.com' },
      flags: {},
      receivedAt: now,
      preview: 'click here',
      attachmentNames: [],
      unreadable: false,
      statuses,
    });
    expect(checkBlocks('message', message.blocks)).toEqual([]);
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('Not junk');
    expect(json).not.toContain('ticket.claim');
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('click here');
  });

  it('builds the reply modal and the collision warning within Slack’s view limits', () => {
    const modal = buildReplyModal({
      locale: 'ja',
      ticketId: 5,
      ticketNumber: 12345,
      draftId: 8,
      to: 'taro@example.jp',
      cc: '',
      subject: 'Re: 返品',
      body: '',
      quoted: '<!here> '.repeat(2000),
      review: true,
    });
    expect(checkView(modal)).toEqual([]);
    expect(JSON.stringify(modal.blocks)).not.toContain('<!here>');
    expect(modal.submit?.text).toBe('承認を依頼');
    // Many short lines: each line's "> " counts against Slack's 3,000 characters too.
    const manyLines = buildReplyModal({
      locale: 'ja',
      ticketId: 5,
      ticketNumber: 12345,
      draftId: 8,
      to: 'taro@example.jp',
      cc: '',
      subject: 'Re: 返品',
      body: '',
      quoted: 'はい。\n\n'.repeat(600),
      review: true,
    });
    expect(checkView(manyLines)).toEqual([]);
    const warning = buildCollisionModal('en', 5, {
      claimedBy: { userId: 'U0AAA', since: now },
      drafts: [{ authorId: 'U0BBB', since: now }],
    });
    expect(checkView(warning)).toEqual([]);
  });

  it('prefixes the subject with Re: once', () => {
    expect(replySubject('返品について')).toBe('Re: 返品について');
    expect(replySubject('RE: 返品について')).toBe('RE: 返品について');
    expect(replySubject('Re：返品について')).toBe('Re：返品について');
    expect(replySubject('')).toBe('Re:');
  });
});
