/**
 * Tags as a team expects them: one spelling per tag however it is typed, nothing that can
 * break a line or pose as something else, limits on length and number, and edits that
 * change only what the person changed.
 */
import { describe, expect, it } from 'vitest';
import {
  applyTagEdit,
  clampTag,
  MAX_TAG_CHARS,
  MAX_TAGS,
  normalizeTag,
  parseTagInput,
  readTags,
  tagEdit,
  tagsJson,
} from '../../src/domain/tags.js';
import { applyRoutingRules, ZRoutingRule } from '../../src/domain/routing.js';
import { DEFAULT_STATUSES } from '../../src/domain/ticket-fields.js';
import { planTicketChange, type TicketState } from '../../src/domain/ticket-change.js';

describe('a tag', () => {
  it('is trimmed, its spaces collapsed, lower-cased, full-width read as ASCII', () => {
    expect(normalizeTag('  VIP  ')).toBe('vip');
    expect(normalizeTag('Key   Account\t 2026')).toBe('key account 2026');
    expect(normalizeTag('ＶＩＰ')).toBe('vip');
    expect(normalizeTag('ｶｽﾀﾏｰ')).toBe('カスタマー');
    expect(normalizeTag('返品　対応')).toBe('返品 対応');
    expect(normalizeTag('Ärger')).toBe('ärger');
  });

  it('keeps nothing that breaks a line, reverses text, hides, or breaks the code span it is shown in', () => {
    expect(normalizeTag('a\r\nb')).toBe('a b');
    expect(normalizeTag('\u202Egnp.exe')).toBe('gnp.exe');
    expect(normalizeTag('v\u200Bi\uFEFFp')).toBe('vip');
    expect(normalizeTag('`code`')).toBe('code');
    expect(normalizeTag('a,b')).toBe('a b');
    expect(normalizeTag('\ud800x')).toBe('x');
    expect(normalizeTag(' \u0000 \u2028 ')).toBe('');
  });

  it('normalises to a fixed point', () => {
    for (const raw of ['  VIP  ', 'ＶＩＰ', 'İstanbul', 'ẞ', 'ｶｽﾀﾏｰ', 'Ⅻ', '① two', 'ﬁle', '\u202Ea`b,c'])
      expect(normalizeTag(normalizeTag(raw)), raw).toBe(normalizeTag(raw));
  });

  it('from a routing rule is normalised and cut to the limit rather than refused', () => {
    expect(clampTag(' Order ')).toBe('order');
    expect(clampTag('x'.repeat(60))).toHaveLength(MAX_TAG_CHARS);
    // Counted in characters, a surrogate pair as one, and never cut in half.
    expect(Array.from(clampTag('😀'.repeat(60)))).toHaveLength(MAX_TAG_CHARS);
    const rules = [
      ZRoutingRule.parse({ name: 'a', when: { subject: 'x' }, then: { tag: ['VIP', ' vip', 'Shop  Order'] } }),
      ZRoutingRule.parse({ name: 'b', when: { subject: 'x' }, then: { tag: 'ＶＩＰ' } }),
    ];
    const facts = { from: 'a@b.jp', to: [], subject: 'x', body: '', header: () => null };
    expect(applyRoutingRules(rules, facts).tags).toEqual(['vip', 'shop order']);
  });
});

describe('tags typed as new', () => {
  it('are split at commas (ASCII, full-width, ideographic), normalised, without empties and repeats', () => {
    expect(parseTagInput('Billing, vip,,VIP ，請求、 至急 ')).toEqual({
      tags: ['billing', 'vip', '請求', '至急'],
      tooLong: [],
    });
    expect(parseTagInput('   ')).toEqual({ tags: [], tooLong: [] });
  });

  it('longer than the limit are named, not cut', () => {
    const long = 'x'.repeat(MAX_TAG_CHARS + 1);
    expect(parseTagInput(`ok, ${long}`)).toEqual({ tags: ['ok'], tooLong: [long] });
    expect(parseTagInput('y'.repeat(MAX_TAG_CHARS)).tags).toHaveLength(1);
  });
});

describe('stored tags', () => {
  it('are read defensively, normalised, and written as JSON', () => {
    expect(readTags('["vip","Order"," vip "]')).toEqual(['vip', 'order']);
    expect(readTags('not json')).toEqual([]);
    expect(readTags('{"a":1}')).toEqual([]);
    expect(readTags('[1,"x",null]')).toEqual(['x']);
    expect(readTags(null)).toEqual([]);
    expect(tagsJson(['a "quote"', '返品'])).toBe('["a \\"quote\\"","返品"]');
    expect(readTags(tagsJson(['a "quote"', '返品']))).toEqual(['a "quote"', '返品']);
  });
});

describe('an edit of a ticket’s tags', () => {
  it('changes only what the person changed in the editor', () => {
    const edit = tagEdit({ shown: ['vip', 'billing'], chosen: ['vip'], typed: ['Refund'] });
    expect(edit).toEqual({ add: ['refund'], remove: ['billing'] });
    // Someone else added "urgent" and took "vip" off meanwhile: both stay so.
    expect(applyTagEdit(['billing', 'urgent'], edit)).toEqual({
      tags: ['urgent', 'refund'],
      added: ['refund'],
      removed: ['billing'],
    });
    // Typing a tag that is already chosen adds nothing twice; nothing changed is null.
    expect(applyTagEdit(['vip'], tagEdit({ shown: ['vip'], chosen: ['vip'], typed: ['VIP'] }))).toBeNull();
  });

  it('is planned as a conditional write with its audit detail, and refused past the limit', () => {
    const ticket: TicketState = {
      status: 'open',
      urgency: 'normal',
      assigneeId: null,
      claimedAt: null,
      junk: false,
      closedAt: null,
      tags: '["vip"]',
    };
    const now = new Date();
    expect(
      planTicketChange(ticket, { kind: 'tags', add: ['billing'], remove: ['vip'] }, 'U1', DEFAULT_STATUSES, now),
    ).toEqual({
      kind: 'apply',
      expect: { tags: '["vip"]' },
      data: { tags: '["billing"]' },
      action: 'ticket.tags_changed',
      detail: { added: ['billing'], removed: ['vip'] },
    });
    expect(planTicketChange(ticket, { kind: 'tags', add: ['vip'], remove: [] }, 'U1', DEFAULT_STATUSES, now)).toEqual({
      kind: 'unchanged',
    });
    const full = { ...ticket, tags: tagsJson(Array.from({ length: MAX_TAGS }, (_, i) => `t${i}`)) };
    expect(
      planTicketChange(full, { kind: 'tags', add: ['one more'], remove: [] }, 'U1', DEFAULT_STATUSES, now),
    ).toEqual({ kind: 'refuse', reason: 'too_many_tags', max: MAX_TAGS });
    // Replacing one of twenty is fine; so is taking some off a ticket that has more (from rules of old).
    expect(
      planTicketChange(full, { kind: 'tags', add: ['new'], remove: ['t0'] }, 'U1', DEFAULT_STATUSES, now).kind,
    ).toBe('apply');
    const over = { ...ticket, tags: tagsJson(Array.from({ length: MAX_TAGS + 3 }, (_, i) => `t${i}`)) };
    expect(planTicketChange(over, { kind: 'tags', add: [], remove: ['t0'] }, 'U1', DEFAULT_STATUSES, now).kind).toBe(
      'apply',
    );
  });
});
