/** A reply's posts in its ticket's thread (the draft, updated in place; the reply as sent), rendered when sent. */
import type { Db } from '../../db/client.js';
import type { RenderedPost } from '../../posts/post-kinds.js';
import { loadDraftPost, loadSentPost, type DraftPostPayload } from '../../services/replies/draft-posts.js';
import { buildDraftMessage, buildSentReplyMessage } from '../views/draft-message.js';

export async function renderDraftPost(db: Db, kind: string, payload: DraftPostPayload): Promise<RenderedPost> {
  const loaded = await loadDraftPost(db, kind, payload);
  if (loaded.kind !== 'ready') return loaded;
  const { shown, ...place } = loaded;
  return { ...place, message: buildDraftMessage(shown) };
}

export async function renderSentPost(db: Db, outboxId: number): Promise<RenderedPost> {
  const loaded = await loadSentPost(db, outboxId);
  if (loaded.kind !== 'ready') return loaded;
  return { kind: 'ready', message: buildSentReplyMessage(loaded.locale, loaded.sent), threadTs: loaded.threadTs };
}
