/**
 * Routing rules, the seeds' "folders by filter conditions": conditions on a new mail set
 * its ticket's urgency, tags, assignee, status, or mark it junk. Pure: rules and facts in,
 * the combined actions out. Rules are applied in order; for a single-valued action the
 * first rule that sets it wins, tags add up.
 */
import { RE2JS } from 're2js';
import { z } from 'zod';
import { clampTag, MAX_TAGS } from './tags.js';
import { URGENCIES } from './ticket-fields.js';

const ZMatcher = z.union([
  z.string(),
  z.object({ equals: z.string() }).strict(),
  z.object({ contains: z.string() }).strict(),
  z.object({ endsWith: z.string() }).strict(),
  z
    .object({ matches: z.string() })
    .strict()
    .refine((matcher) => safeRegExp(matcher.matches) !== null, { message: 'not a valid regular expression' }),
]);
export type TMatcher = z.infer<typeof ZMatcher>;

/** What a rule does to the ticket of a mail it matches (stored as RoutingRule.actions). */
export const ZRuleActions = z
  .object({
    urgency: z.enum(URGENCIES).optional(),
    tag: z.union([z.string(), z.array(z.string())]).optional(),
    assignee: z
      .string()
      .regex(/^[UW][A-Z0-9]{2,}$/)
      .optional(),
    status: z.string().min(1).optional(),
    junk: z.boolean().optional(),
  })
  .strict()
  .refine((actions) => Object.keys(actions).length > 0, { message: 'needs at least one action' });
export type TRuleActions = z.infer<typeof ZRuleActions>;

export const ZRoutingRule = z.object({
  name: z.string().trim().min(1),
  /** Every condition must hold. Header conditions are keyed `header.Name`. */
  when: z
    .record(z.string().regex(/^(from|fromDomain|to|subject|body|header\.[A-Za-z0-9-]+)$/), ZMatcher)
    .refine((conditions) => Object.keys(conditions).length > 0, { message: 'needs at least one condition' }),
  then: ZRuleActions,
});
export type TRoutingRule = z.infer<typeof ZRoutingRule>;

/** The tags a rule sets, as people would type them (domain/tags.ts): `VIP` in a rule is the tag vip. */
export function ruleTags(actions: Pick<TRuleActions, 'tag'>): string[] {
  const { tag } = actions;
  return (tag === undefined ? [] : Array.isArray(tag) ? tag : [tag])
    .map((name) => clampTag(name))
    .filter((name) => name !== '');
}

export interface MailFacts {
  from: string;
  to: string[];
  subject: string;
  body: string;
  header(name: string): string | null;
}

export interface RoutingActions {
  urgency?: string;
  tags: string[];
  assignee?: string;
  status?: string;
  junk?: boolean;
  /** Names of the rules that matched, for the audit log. */
  matched: string[];
}

const compiled = new Map<string, RE2JS | null>();

/**
 * Patterns come from admins and run against whole mails (up to a million characters) on
 * the main thread, so they run on RE2 (re2js): time linear in the text whatever the
 * pattern, where a backtracking engine can take seconds or hang on `(a+)+$` or
 * `invoice.*overdue`. RE2 syntax: `(?i)` for case-insensitive; no look-around or
 * back-references (such a pattern is a configuration error).
 */
function safeRegExp(pattern: string): RE2JS | null {
  if (!compiled.has(pattern)) {
    try {
      compiled.set(pattern, RE2JS.compile(pattern));
    } catch {
      compiled.set(pattern, null);
    }
  }
  return compiled.get(pattern) ?? null;
}

/** A bare string means: equal (addresses, domains) or contained (subject, body, headers). */
function matches(values: string[], matcher: TMatcher, bareIsEquality: boolean): boolean {
  return values.some((raw) => {
    const value = raw.toLowerCase();
    if (typeof matcher === 'string')
      return bareIsEquality ? value === matcher.toLowerCase() : value.includes(matcher.toLowerCase());
    if ('equals' in matcher) return value === matcher.equals.toLowerCase();
    if ('contains' in matcher) return value.includes(matcher.contains.toLowerCase());
    if ('endsWith' in matcher) return value.endsWith(matcher.endsWith.toLowerCase());
    return safeRegExp(matcher.matches)?.matcher(raw).find() ?? false;
  });
}

function holds(field: string, matcher: TMatcher, facts: MailFacts): boolean {
  const domain = facts.from.slice(facts.from.lastIndexOf('@') + 1);
  switch (field) {
    case 'from':
      return matches([facts.from], matcher, true);
    case 'fromDomain':
      // A bare domain also matches its subdomains (mail.example.co.jp for example.co.jp).
      return typeof matcher === 'string'
        ? domain.toLowerCase() === matcher.toLowerCase() || domain.toLowerCase().endsWith(`.${matcher.toLowerCase()}`)
        : matches([domain], matcher, true);
    case 'to':
      return matches(facts.to, matcher, true);
    case 'subject':
      return matches([facts.subject], matcher, false);
    case 'body':
      return matches([facts.body], matcher, false);
    default: {
      const value = facts.header(field.slice('header.'.length));
      return value !== null && matches([value], matcher, false);
    }
  }
}

export function applyRoutingRules(rules: readonly TRoutingRule[], facts: MailFacts): RoutingActions {
  const result: RoutingActions = { tags: [], matched: [] };
  for (const rule of rules) {
    if (!Object.entries(rule.when).every(([field, matcher]) => holds(field, matcher, facts))) continue;
    result.matched.push(rule.name);
    const { urgency, tag, assignee, status, junk } = rule.then;
    result.urgency ??= urgency;
    result.assignee ??= assignee;
    result.status ??= status;
    result.junk ??= junk;
    for (const name of ruleTags({ tag }))
      if (!result.tags.includes(name) && result.tags.length < MAX_TAGS) result.tags.push(name);
  }
  return result;
}
