/**
 * Which templates can be used where, always at their latest version: a mailbox's own and
 * the shared ones (mailboxId null). Archived templates are never offered.
 */
import type { TMailboxConfig } from '../../config/config-schema.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../logging/logger.js';
import type { ChannelMembers } from '../../slack-api/channel-members.js';
import type { UserLocales } from '../../slack-api/user-locales.js';
import type { UserNames } from '../../slack-api/user-names.js';
import { byCategory, TEMPLATE_CHOICES_MAX } from '../../domain/template-rules.js';

export interface TemplateDeps {
  db: Db;
  members: ChannelMembers;
  userLocales: UserLocales;
  userNames: UserNames;
  logger: Logger;
  mailboxes: readonly TMailboxConfig[];
  /** Announcements are queued: post them now. */
  wakePoster(): void;
}

export interface UsableTemplate {
  id: number;
  name: string;
  category: string | null;
  mailboxId: number | null;
  /** Null for a shared template. */
  mailboxName: string | null;
  updatedAt: Date;
  latest: { id: number; version: number; body: string; authorId: string; createdAt: Date };
}

/** The templates usable in these mailboxes (every mailbox: `all`), with their latest version. */
export async function usableTemplates(db: Db, mailboxIds: readonly number[] | 'all'): Promise<UsableTemplate[]> {
  const templates = await db.template.findMany({
    where: {
      archived: false,
      ...(mailboxIds === 'all' ? {} : { OR: [{ mailboxId: null }, { mailboxId: { in: [...mailboxIds] } }] }),
    },
    include: { mailbox: { select: { name: true } } },
  });
  if (templates.length === 0) return [];
  const versions = await db.templateVersion.findMany({
    where: { OR: templates.map((template) => ({ templateId: template.id, version: template.currentVersion })) },
  });
  const latest = new Map(versions.map((version) => [version.templateId, version]));
  return templates.flatMap((template) => {
    const version = latest.get(template.id);
    if (!version) return [];
    return [
      {
        id: template.id,
        name: template.name,
        category: template.category,
        mailboxId: template.mailboxId,
        mailboxName: template.mailbox?.name ?? null,
        updatedAt: version.createdAt,
        latest: version,
      },
    ];
  });
}

/** A template the reply can start from: always its latest version. */
export interface TemplateChoice {
  versionId: number;
  name: string;
  category: string | null;
  version: number;
}

/**
 * The reply modal's menu (one mailbox) or the compose modal's (every mailbox the person may
 * write from): by category, then name; Slack takes 100 options at most.
 */
export async function templateChoices(db: Db, mailboxIds: number | readonly number[]): Promise<TemplateChoice[]> {
  const templates = await usableTemplates(db, typeof mailboxIds === 'number' ? [mailboxIds] : mailboxIds);
  return byCategory(templates)
    .flatMap((group) => group.items)
    .slice(0, TEMPLATE_CHOICES_MAX)
    .map((template) => ({
      versionId: template.latest.id,
      name: template.name,
      category: template.category,
      version: template.latest.version,
    }));
}
