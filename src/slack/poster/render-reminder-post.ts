/**
 * A queued reminder or digest, worded at its turn in the queue: the service reads what
 * it is about (and drops it when its ticket is no longer posted), the view words it.
 */
import type { Db } from '../../db/client.js';
import type { RenderablePost, RenderedPost } from '../../posts/post-kinds.js';
import { loadReminderPost } from '../../services/reminders/run-reminders.js';
import { buildDigestMessage, buildReminderMessage } from '../views/reminder-message.js';

export async function renderReminderPost(db: Db, post: RenderablePost): Promise<RenderedPost> {
  const loaded = await loadReminderPost(db, post);
  switch (loaded.kind) {
    case 'digest':
      return { kind: 'ready', message: buildDigestMessage(loaded.figures) };
    case 'reminder':
      // Shown in the channel too: a reminder is there to be seen.
      return {
        kind: 'ready',
        message: buildReminderMessage(loaded.payload),
        threadTs: loaded.threadTs,
        broadcast: true,
      };
    default:
      return loaded;
  }
}
