/**
 * A ticket's tags, edited from its message: "Tags" opens an editor offering the mailbox's
 * tags (those its routing rules set and those on its tickets) with the ticket's own chosen,
 * and a field for new ones. Saving changes the ticket like any other change
 * (change-ticket.ts): members of its channel only, audited, its message updated in place
 * and a line in its thread. Only what the person changed in the editor is changed, so an
 * edit made meanwhile by someone else (or a rule) is kept.
 */
import type { Db } from '../../db/client.js';
import type { Refusal } from '../../domain/refusal.js';
import { ruleTags, ZRuleActions } from '../../domain/routing.js';
import { parseJson } from '../../util/parse-json.js';
import { MAX_TAGS, parseTagInput, readTags, tagEdit } from '../../domain/tags.js';
import { changeTicket, type TicketActionDeps } from './change-ticket.js';
import { accessRefusal, ticketChannel } from './ticket-access.js';

/** Slack's menus take at most 100 options. */
export const MAX_TAG_CHOICES = 100;
/** The newest tagged tickets read for the tags in use: plenty to know a mailbox's tags, never a scan of all. */
const TAGGED_TICKETS_READ = 2_000;

export type TagEditorAnswer =
  | { kind: 'refused'; refusal: Refusal }
  | {
      kind: 'editor';
      ticket: { id: number; number: number; subject: string };
      /** The ticket's tags now (at most MAX_TAGS: what the editor shows as chosen). */
      current: string[];
      /** Tags to offer, the ticket's own among them, at most MAX_TAG_CHOICES, by name. */
      choices: string[];
    };

export type TagSaveAnswer =
  | { kind: 'done' }
  | { kind: 'refused'; refusal: Refusal }
  /** New tags longer than MAX_TAG_CHARS: nothing was changed. */
  | { kind: 'too_long'; tags: string[] };

/** Tags the mailbox's routing rules set (enabled or not: they are the mailbox's vocabulary); a rule that no longer reads is skipped. */
async function configuredTags(db: Db, mailboxId: number): Promise<string[]> {
  const rules = await db.routingRule.findMany({ where: { mailboxId }, select: { actions: true } });
  const tags = new Set<string>();
  for (const rule of rules) {
    const actions = ZRuleActions.safeParse(parseJson(rule.actions));
    if (actions.success) for (const tag of ruleTags(actions.data)) tags.add(tag);
  }
  return [...tags];
}

/**
 * The mailbox's tags, the most useful first: those its rules set, then those on its
 * tickets, most used first; at most `limit`.
 */
export async function mailboxTags(db: Db, mailboxId: number, limit = MAX_TAG_CHOICES): Promise<string[]> {
  const [configured, tagged] = await Promise.all([
    configuredTags(db, mailboxId),
    db.ticket.findMany({
      where: { mailboxId, tags: { not: '[]' } },
      select: { tags: true },
      orderBy: { id: 'desc' },
      take: TAGGED_TICKETS_READ,
    }),
  ]);
  const uses = new Map<string, number>();
  for (const ticket of tagged) for (const tag of readTags(ticket.tags)) uses.set(tag, (uses.get(tag) ?? 0) + 1);
  const used = [...uses.entries()].sort((a, b) => b[1] - a[1]).map(([tag]) => tag);
  return [...new Set([...configured, ...used])].slice(0, limit);
}

/** By name, as people look for one in a list. */
function byName(tags: readonly string[]): string[] {
  return [...tags].sort((a, b) => a.localeCompare(b));
}

/** "Tags" clicked: the editor's content, or why this person may not edit them. */
export async function openTagEditor(
  deps: Pick<TicketActionDeps, 'db' | 'members' | 'logger'>,
  input: { userId: string; ticketId: number },
): Promise<TagEditorAnswer> {
  const ticket = await deps.db.ticket.findUnique({
    where: { id: input.ticketId },
    select: {
      id: true,
      number: true,
      subject: true,
      tags: true,
      mailboxId: true,
      slackChannelId: true,
      mailbox: { select: { channelId: true } },
    },
  });
  if (!ticket) return { kind: 'refused', refusal: { kind: 'ticket_gone' } };
  const denied = await accessRefusal(deps, ticketChannel(ticket), input.userId);
  if (denied) return { kind: 'refused', refusal: denied };
  const current = readTags(ticket.tags).slice(0, MAX_TAGS);
  const others = (await mailboxTags(deps.db, ticket.mailboxId)).filter((tag) => !current.includes(tag));
  return {
    kind: 'editor',
    ticket: { id: ticket.id, number: ticket.number, subject: ticket.subject },
    current,
    choices: byName([...current, ...others].slice(0, MAX_TAG_CHOICES)),
  };
}

/**
 * The editor saved: `shown` the tags it opened with, `chosen` those still chosen in it,
 * `typed` the new ones as typed (comma-separated).
 */
export async function saveTags(
  deps: TicketActionDeps,
  input: { actorId: string; ticketId: number; shown: string[]; chosen: string[]; typed: string },
): Promise<TagSaveAnswer> {
  const typed = parseTagInput(input.typed);
  if (typed.tooLong.length) return { kind: 'too_long', tags: typed.tooLong };
  const edit = tagEdit({ shown: input.shown, chosen: input.chosen, typed: typed.tags });
  return changeTicket(deps, { actorId: input.actorId, ticketId: input.ticketId, change: { kind: 'tags', ...edit } });
}
