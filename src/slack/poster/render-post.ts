/**
 * Turns a queued Slack post into the message to send, at its turn in the queue: the one
 * table of renderers, a kind each (post-kinds.ts). Each reads its data through a service's
 * loader and words it with a view; a loader's wait or drop is passed on as it is.
 */
import type { Db } from '../../db/client.js';
import { readTags } from '../../domain/tags.js';
import { ticketPreviewText } from '../../domain/ticket-preview.js';
import {
  POST_KINDS,
  type PostKind,
  type PostNotReady,
  type RenderablePost,
  type RenderedPost,
} from '../../posts/post-kinds.js';
import {
  loadFoldedFollowUps,
  loadMailGivenUp,
  loadMailPost,
  loadPostFailed,
  loadSplitUpdate,
  loadTicketUpdate,
  loadTrace,
  type MailPostData,
  type TicketPlace,
} from '../../services/tickets/load-ticket-posts.js';
import type { Permalinks } from '../../slack-api/permalinks.js';
import type { DraftPostPayload } from '../../services/replies/draft-posts.js';
import { buildFoldedFollowUpsMessage, buildFollowUpMessage, buildMailBodyMessage } from '../views/mail-body-message.js';
import { buildMailGivenUpMessage } from '../views/mail-given-up-message.js';
import { buildPostFailedMessage } from '../views/post-failed-message.js';
import { buildPlainTicketMessage, buildTicketMessage, type TicketMessageInput } from '../views/ticket-message.js';
import { buildTraceMessage } from '../views/trace-message.js';
import { loadRedaction } from '../../services/privacy/forget-customer.js';
import { buildRedactedMessage } from '../views/privacy-messages.js';
import { renderDraftPost, renderSentPost } from './render-draft-post.js';
import { renderReminderPost } from './render-reminder-post.js';
import { renderTemplateAnnouncement } from './render-template-post.js';

export type { RenderablePost, RenderedPost };

/**
 * `links`: permalinks of other tickets' threads (a merge's pointer, a split's trace), the
 * poster's chat.getPermalink remembered. Without them, or when Slack does not answer, a
 * ticket is named by its number alone.
 */
type Renderer = (db: Db, post: RenderablePost, links?: Permalinks) => Promise<RenderedPost>;

/** The permalink of a ticket's thread, or null when it is not posted or Slack gives none. */
async function threadLink(
  links: Permalinks | undefined,
  place: TicketPlace | null | undefined,
): Promise<string | null> {
  if (!links || !place?.channelId || !place.ts) return null;
  return links(place.channelId, place.ts).catch(() => null);
}

function notReady<T extends object>(loaded: T | PostNotReady): loaded is PostNotReady {
  return 'kind' in loaded && (loaded.kind === 'wait' || loaded.kind === 'drop');
}

async function ticketMessageInput(
  { locale, ticket, mail, statuses, merges }: MailPostData,
  links?: Permalinks,
): Promise<TicketMessageInput> {
  return {
    locale,
    ticket,
    sender: mail.sender,
    replyTo: mail.replyTo,
    flags: mail.flags,
    receivedAt: mail.receivedAt,
    // The customer's own words first; the quoted history is in the thread.
    preview: ticketPreviewText(mail.text),
    attachmentNames: mail.attachmentNames,
    unreadable: mail.unreadable,
    statuses,
    tags: readTags(ticket.tags),
    // A new mail of ours has no stored mail yet: no original to ask for.
    ...(mail.outbound ? { outbound: true } : { mailId: mail.id }),
    hasHtml: mail.hasHtml,
    ...(merges
      ? {
          merges: {
            into: merges.into && { number: merges.into.number, link: await threadLink(links, merges.into) },
            mergedIn: merges.mergedIn,
          },
        }
      : {}),
  };
}

/** The ticket's message in the channel: the full one, or the plain one Slack would take. */
async function ticketMessage(data: MailPostData, links?: Permalinks) {
  const input = await ticketMessageInput(data, links);
  return data.plain ? buildPlainTicketMessage(input, data.plain) : buildTicketMessage(input);
}

/** A mail shown in the channel (a new ticket) or in its thread (its full text, a follow-up). */
const renderMail: Renderer = async (db, post, links) => {
  const data = await loadMailPost(db, post);
  if (notReady(data)) return data;
  if (post.kind === POST_KINDS.ticket) return { kind: 'ready', message: await ticketMessage(data, links) };
  const threadTs = data.ticket.slackTs;
  if (!threadTs) return { kind: 'wait' };
  if (post.kind === POST_KINDS.mailBody)
    return { kind: 'ready', message: buildMailBodyMessage(data.locale, data.mail.text), threadTs };
  return { kind: 'ready', message: buildFollowUpMessage(data.locale, data.mail), threadTs };
};

/** The ticket's message as it stands now, to replace the one in the channel. */
const renderTicketUpdate: Renderer = async (db, post, links) => {
  const data = await loadTicketUpdate(db, post);
  if (notReady(data)) return data;
  return data.updateTs
    ? { kind: 'ready', message: await ticketMessage(data, links), updateTs: data.updateTs }
    : { kind: 'wait' };
};

const renderTrace: Renderer = async (db, post, links) => {
  const data = await loadTrace(db, post);
  if (notReady(data)) return data;
  const other = data.other && { number: data.other.number, link: await threadLink(links, data.other) };
  return { kind: 'ready', message: buildTraceMessage({ ...data, other }), threadTs: data.threadTs };
};

const renderPostFailed: Renderer = async (db, post) => {
  const data = await loadPostFailed(db, post);
  if (notReady(data)) return data;
  return {
    kind: 'ready',
    message: buildPostFailedMessage(data.locale, data.failedKind, data.code, data.attempts),
    threadTs: data.threadTs,
  };
};

const renderMailGivenUp: Renderer = async (db, post) => {
  const data = await loadMailGivenUp(db, post);
  if (notReady(data)) return data;
  return { kind: 'ready', message: buildMailGivenUpMessage(data.locale, data.gap) };
};

/** A message that showed a forgotten customer's data, replaced by the note. */
const renderRedaction: Renderer = async (db, post) => {
  const data = await loadRedaction(db, post);
  if (notReady(data)) return data;
  return { kind: 'ready', message: buildRedactedMessage(data.locale), updateTs: data.ts };
};

/** A follow-up message whose mail was split out: rendered again, saying where each such mail went. */
const renderSplitUpdate: Renderer = async (db, post, links) => {
  const data = await loadSplitUpdate(db, post);
  if (notReady(data)) return data;
  const mails = await Promise.all(
    data.mails.map(async ({ movedTo, ...mail }) =>
      movedTo
        ? {
            ...mail,
            movedTo: { number: movedTo.number, link: await threadLink(links, movedTo), actorId: data.actorId },
          }
        : mail,
    ),
  );
  const message =
    mails.length === 1 ? buildFollowUpMessage(data.locale, mails[0]!) : buildFoldedFollowUpsMessage(data.locale, mails);
  return { kind: 'ready', message, updateTs: data.ts };
};

/** How each kind of post (post-kinds.ts) becomes a message. */
const RENDERERS: Record<PostKind, Renderer> = {
  ticket: renderMail,
  mail_body: renderMail,
  follow_up: renderMail,
  // Files are shared, not rendered (slack-poster.ts).
  files: async () => ({ kind: 'drop', reason: 'files are shared, not rendered' }),
  ticket_update: renderTicketUpdate,
  trace: renderTrace,
  draft: (db, post) => renderDraftPost(db, POST_KINDS.draft, JSON.parse(post.payload) as DraftPostPayload),
  draft_update: (db, post) => renderDraftPost(db, POST_KINDS.draftUpdate, JSON.parse(post.payload) as DraftPostPayload),
  sent_reply: (db, post) => renderSentPost(db, (JSON.parse(post.payload) as { outboxId: number }).outboxId),
  reminder: renderReminderPost,
  digest: renderReminderPost,
  template_version: renderTemplateAnnouncement,
  post_failed: renderPostFailed,
  mail_given_up: renderMailGivenUp,
  redaction: renderRedaction,
  // Files are deleted, not rendered (slack-poster.ts).
  file_removal: async () => ({ kind: 'drop', reason: 'files are deleted, not rendered' }),
  split_update: renderSplitUpdate,
};

export async function renderPost(db: Db, post: RenderablePost, links?: Permalinks): Promise<RenderedPost> {
  const render = RENDERERS[post.kind as PostKind] as Renderer | undefined;
  return render ? render(db, post, links) : { kind: 'drop', reason: `unknown post kind ${post.kind}` };
}

/**
 * Posts of one kind and ticket waiting together, shown in one message (post-claims.ts):
 * follow-ups as one message of their mails, traces as their lines one after the other.
 */
export async function renderFolded(
  db: Db,
  posts: readonly RenderablePost[],
  links?: Permalinks,
): Promise<RenderedPost> {
  const [first] = posts;
  if (!first || first.ticketId === null) return { kind: 'drop', reason: 'nothing to fold' };
  if (first.kind === POST_KINDS.followUp) {
    const data = await loadFoldedFollowUps(db, posts);
    if (notReady(data)) return data;
    return { kind: 'ready', message: buildFoldedFollowUpsMessage(data.locale, data.mails), threadTs: data.threadTs };
  }
  const rendered = await Promise.all(posts.map((post) => renderPost(db, post, links)));
  const ready = rendered.filter((each) => each.kind === 'ready');
  // The poster then sends each on its own.
  if (ready.length < rendered.length) return { kind: 'drop', reason: 'not every folded post can be shown' };
  return {
    kind: 'ready',
    message: {
      text: ready.map((each) => each.message.text).join('\n'),
      blocks: ready.flatMap((each) => each.message.blocks),
    },
    threadTs: ready[0]!.threadTs,
  };
}
