/**
 * A new template version is announced in the channel of its mailbox, or of every mailbox
 * for a shared template: queued as Slack posts in the transaction that saves the version,
 * read when sent (who, which template, the change note, what changed) and rendered by
 * slack/poster/render-template-post.ts.
 */
import { z } from 'zod';
import type { TLocale, TMailboxConfig } from '../../config/config-schema.js';
import type { Db, Tx } from '../../db/client.js';
import { lineDiff, type DiffLine } from '../../domain/line-diff.js';
import { POST_KINDS, type PostNotReady, type RenderablePost } from '../../posts/post-kinds.js';
import { queuePosts } from '../../posts/queue-post.js';

const ZPayload = z.object({ templateVersionId: z.number().int(), mailboxId: z.number().int() });

/** One post per channel (several mailboxes may share one), in each mailbox's language. */
export async function queueTemplateAnnouncements(
  tx: Tx,
  configured: readonly TMailboxConfig[],
  input: { mailboxId: number | null; versionId: number },
): Promise<void> {
  const mailboxes = await tx.mailbox.findMany({
    where:
      input.mailboxId === null ? { key: { in: configured.map((mailbox) => mailbox.key) } } : { id: input.mailboxId },
    orderBy: { id: 'asc' },
    select: { id: true, channelId: true },
  });
  const byChannel = new Map(mailboxes.reverse().map((mailbox) => [mailbox.channelId, mailbox]));
  await queuePosts(
    tx,
    [...byChannel.values()].map((mailbox) => ({
      mailboxId: mailbox.id,
      channelId: mailbox.channelId,
      kind: POST_KINDS.templateVersion,
      dedupeKey: `template:${input.versionId}:${mailbox.channelId}`,
      payload: { templateVersionId: input.versionId, mailboxId: mailbox.id },
    })),
  );
}

/** What an announcement says, in its mailbox's language (the view words it). */
export interface TemplateAnnouncement {
  locale: TLocale;
  actorId: string;
  name: string;
  /** The template's mailbox; null for a shared one. */
  mailboxName: string | null;
  version: number;
  note: string | null;
  /** Lines removed and added since the previous version (all added for version 1). */
  diff: DiffLine[];
}

export async function loadTemplateAnnouncement(
  db: Db,
  post: RenderablePost,
): Promise<{ kind: 'ready'; announcement: TemplateAnnouncement } | PostNotReady> {
  const payload = ZPayload.safeParse(JSON.parse(post.payload));
  if (!payload.success) return { kind: 'drop', reason: 'unreadable post payload' };
  const [version, mailbox] = await Promise.all([
    db.templateVersion.findUnique({
      where: { id: payload.data.templateVersionId },
      include: { template: { include: { mailbox: { select: { name: true } } } } },
    }),
    db.mailbox.findUnique({ where: { id: payload.data.mailboxId }, select: { locale: true } }),
  ]);
  if (!version || !mailbox) return { kind: 'drop', reason: 'template version or mailbox no longer exists' };
  const previous =
    version.version > 1
      ? await db.templateVersion.findUnique({
          where: { templateId_version: { templateId: version.templateId, version: version.version - 1 } },
          select: { body: true },
        })
      : null;
  return {
    kind: 'ready',
    announcement: {
      locale: mailbox.locale as TLocale,
      actorId: version.authorId,
      name: version.template.name,
      mailboxName: version.template.mailbox?.name ?? null,
      version: version.version,
      note: version.changeNote,
      diff: lineDiff(previous?.body ?? '', version.body),
    },
  };
}
