/** A template version's announcement, rendered when its queued post is sent. */
import type { Db } from '../../db/client.js';
import type { RenderablePost, RenderedPost } from '../../posts/post-kinds.js';
import { loadTemplateAnnouncement } from '../../services/templates/announce-template.js';
import { buildTemplateAnnouncement, scopeName } from '../views/template-views.js';

export async function renderTemplateAnnouncement(db: Db, post: RenderablePost): Promise<RenderedPost> {
  const loaded = await loadTemplateAnnouncement(db, post);
  if (loaded.kind !== 'ready') return loaded;
  const { mailboxName, ...announcement } = loaded.announcement;
  return {
    kind: 'ready',
    message: buildTemplateAnnouncement({ ...announcement, scope: scopeName(announcement.locale, mailboxName) }),
  };
}
