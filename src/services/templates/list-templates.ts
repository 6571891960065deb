/**
 * `/mail template` and the Home tab's templates: those usable in the mailbox whose channel
 * the command was typed in (its own and the shared ones), or elsewhere those of every
 * mailbox whose channel the user is in. Someone in none of them sees no template at all:
 * names like "Refund to Acme" tell about other teams' customers.
 */
import type { TMailboxConfig } from '../../config/config-schema.js';
import type { Db } from '../../db/client.js';
import type { ChannelMembers } from '../../slack-api/channel-members.js';
import { usableTemplates, type UsableTemplate } from './template-catalog.js';

export interface TemplateListDeps {
  db: Db;
  mailboxes: readonly TMailboxConfig[];
  members: ChannelMembers;
}

/** The templates a person may see, and where "New template" starts. */
export interface TemplateListing {
  /** The mailbox of the channel asked from, when the person is in it; null: every visible mailbox. */
  mailboxName: string | null;
  templates: UsableTemplate[];
  /** The mailbox key a new template is scoped to first ('' when none). */
  newValue: string;
}

/** The mailboxes whose channel the user is in, by key and database id. */
async function visibleMailboxes(deps: TemplateListDeps, userId: string): Promise<{ key: string; id: number }[]> {
  const keys: string[] = [];
  for (const mailbox of deps.mailboxes)
    if (await deps.members.isMember(mailbox.channelId, userId)) keys.push(mailbox.key);
  return keys.length ? deps.db.mailbox.findMany({ where: { key: { in: keys } }, select: { key: true, id: true } }) : [];
}

export async function listTemplates(
  deps: TemplateListDeps,
  input: { channelId: string; userId: string },
): Promise<TemplateListing> {
  const visible = await visibleMailboxes(deps, input.userId);
  const mailbox = deps.mailboxes.find((box) => box.channelId === input.channelId);
  const here = mailbox ? visible.find((row) => row.key === mailbox.key) : undefined;
  const templates = visible.length
    ? await usableTemplates(deps.db, here ? [here.id] : visible.map((row) => row.id))
    : [];
  return { mailboxName: mailbox && here ? mailbox.name : null, templates, newValue: here ? mailbox!.key : '' };
}

/** The templates of the user's mailboxes, for their Home tab. */
export async function visibleTemplates(deps: TemplateListDeps, userId: string): Promise<UsableTemplate[]> {
  const visible = await visibleMailboxes(deps, userId);
  return visible.length
    ? usableTemplates(
        deps.db,
        visible.map((row) => row.id),
      )
    : [];
}
