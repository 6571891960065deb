import { describe, expect, it } from 'vitest';
import { applyRoutingRules, ZRoutingRule, type MailFacts, type TRoutingRule } from '../../src/domain/routing.js';

const facts = (over: Partial<MailFacts> = {}): MailFacts => ({
  from: 'buyer@mail.bigclient.co.jp',
  to: ['support@example.com'],
  subject: '【至急】請求書の再発行',
  body: 'よろしくお願いします',
  header: (name) => (name.toLowerCase() === 'x-priority' ? '1 (Highest)' : null),
  ...over,
});
const rule = (input: unknown): TRoutingRule => ZRoutingRule.parse(input);

describe('routing rules', () => {
  it('match by sender domain (with subdomains), subject, recipient and header, and combine their actions', () => {
    const rules = [
      rule({ name: 'VIP', when: { fromDomain: 'bigclient.co.jp' }, then: { urgency: 'critical', tag: 'vip' } }),
      rule({ name: 'urgent subject', when: { subject: '至急' }, then: { urgency: 'urgent', tag: ['urgent', 'vip'] } }),
      rule({ name: 'priority header', when: { 'header.X-Priority': { matches: '^1' } }, then: { assignee: 'U0LEAD' } }),
      rule({ name: 'other box', when: { to: 'sales@example.com' }, then: { junk: true } }),
    ];
    expect(applyRoutingRules(rules, facts())).toEqual({
      urgency: 'critical',
      tags: ['vip', 'urgent'],
      assignee: 'U0LEAD',
      matched: ['VIP', 'urgent subject', 'priority header'],
    });
  });

  it('needs every condition of a rule to hold', () => {
    const both = rule({
      name: 'both',
      when: { fromDomain: 'bigclient.co.jp', subject: { contains: 'invoice' } },
      then: { junk: true },
    });
    expect(applyRoutingRules([both], facts()).matched).toEqual([]);
    expect(applyRoutingRules([both], facts({ subject: 'Invoice please' })).junk).toBe(true);
  });

  it('reads (?i) regular expressions and refuses broken ones and empty rules', () => {
    expect(
      applyRoutingRules(
        [rule({ name: 'spam', when: { subject: { matches: '(?i)v[i1]agra' } }, then: { junk: true } })],
        facts({ subject: 'VIAGRA deal' }),
      ).junk,
    ).toBe(true);
    expect(
      ZRoutingRule.safeParse({ name: 'bad', when: { subject: { matches: '(' } }, then: { junk: true } }).success,
    ).toBe(false);
    expect(ZRoutingRule.safeParse({ name: 'empty', when: {}, then: { junk: true } }).success).toBe(false);
    expect(ZRoutingRule.safeParse({ name: 'no action', when: { from: 'a@b' }, then: {} }).success).toBe(false);
    expect(ZRoutingRule.safeParse({ name: 'typo', when: { sender: 'a@b' }, then: { junk: true } }).success).toBe(false);
  });

  it('run in linear time: a pattern that makes a backtracking engine hang does not hold up the mail', () => {
    // With JavaScript's own engine this test would not finish: (a+)+$ on 40 a's and a b
    // tries about 2^40 ways before failing.
    const hostile = rule({ name: 'catastrophic', when: { body: { matches: '(a+)+$' } }, then: { junk: true } });
    expect(applyRoutingRules([hostile], facts({ body: `${'a'.repeat(40)}b` })).junk).toBeUndefined();
    expect(applyRoutingRules([hostile], facts({ body: 'aaaa' })).junk).toBe(true);
    const overdue = rule({
      name: 'overdue',
      when: { body: { matches: '(?i)invoice.*overdue' } },
      then: { urgency: 'urgent' },
    });
    expect(applyRoutingRules([overdue], facts({ body: `${'invoice '.repeat(125_000)}OVERDUE` })).urgency).toBe(
      'urgent',
    );
    // Look-around and back-references have no linear-time form: refused when configured.
    expect(
      ZRoutingRule.safeParse({
        name: 'lookahead',
        when: { subject: { matches: 'refund(?!ed)' } },
        then: { junk: true },
      }).success,
    ).toBe(false);
  });
});
