/**
 * Every kind of queued Slack post, in one place, with its place in a channel's queue.
 * The names are stored in the database (SlackPost.kind): never rename one.
 *
 * Queue order within a channel, higher first: what people did (their clicks, drafts,
 * reminders, template news), then new tickets, then the contents of threads (full texts,
 * files, follow-ups, notes). A backlog thus shows every new ticket at the channel's pace
 * before the threads fill in; inside one ticket the order stays strict (slack-poster.ts).
 */
import type { SlackMessage } from '../slack-api/slack-message.js';

/** What a queued post becomes when it is its turn (slack/poster/render-post.ts). */
export type RenderedPost =
  /** `updateTs`: the message to update in place instead of posting a new one. */
  | { kind: 'ready'; message: SlackMessage; threadTs?: string; updateTs?: string; broadcast?: boolean }
  /** The thread it belongs to is not posted yet. */
  | { kind: 'wait' }
  | { kind: 'drop'; reason: string };

/** A queued post that cannot be shown now: what a service's loader answers instead of its data. */
export type PostNotReady = Exclude<RenderedPost, { kind: 'ready' }>;

/** A queued post as its renderer reads it. */
export interface RenderablePost {
  kind: string;
  mailboxId: number;
  ticketId: number | null;
  payload: string;
}

export const POST_KINDS = {
  /** A new ticket's message in the channel. */
  ticket: 'ticket',
  /** A new ticket's full text in its thread (only when the ticket message cannot show it whole). */
  mailBody: 'mail_body',
  /** A later mail of the ticket in its thread. */
  followUp: 'follow_up',
  /** A mail's attachments (and an over-long text) shared as files in the thread. */
  files: 'files',
  /** The ticket's message rendered again and updated in place. */
  ticketUpdate: 'ticket_update',
  /** One line in the thread saying who changed what. */
  trace: 'trace',
  /** A reply awaiting review, in the thread. */
  draft: 'draft',
  /** A draft's message updated in place (its state changed). */
  draftUpdate: 'draft_update',
  /** The reply as sent. */
  sentReply: 'sent_reply',
  reminder: 'reminder',
  digest: 'digest',
  /** A new or changed reply template, announced in the mailbox channel. */
  templateVersion: 'template_version',
  /** The note that takes the place of a post Slack would not take. */
  postFailed: 'post_failed',
  /** A mail that could not be fetched or understood after a day of tries, in the channel. */
  mailGivenUp: 'mail_given_up',
  /** A message that showed a forgotten customer's data, its text replaced by a note (chat.update). */
  redaction: 'redaction',
  /** Files the bot shared that carried a forgotten customer's attachments, deleted in Slack (files.delete). */
  fileRemoval: 'file_removal',
  /** A follow-up message in the old thread after its mail was split out: says where it went (chat.update). */
  splitUpdate: 'split_update',
} as const;

export type PostKind = (typeof POST_KINDS)[keyof typeof POST_KINDS];

export const POST_PRIORITY = { people: 2, newTicket: 1, thread: 0 } as const;

export const KIND_PRIORITY: Record<PostKind, number> = {
  ticket: POST_PRIORITY.newTicket,
  mail_body: POST_PRIORITY.thread,
  follow_up: POST_PRIORITY.thread,
  files: POST_PRIORITY.thread,
  post_failed: POST_PRIORITY.thread,
  // As urgent as a new ticket: it stands for one that could not be made.
  mail_given_up: POST_PRIORITY.newTicket,
  ticket_update: POST_PRIORITY.people,
  // The ticket message shows a change at once (ticket_update); the line in the thread that
  // records it takes its turn with new tickets, so a run of clicks cannot hold them up.
  trace: POST_PRIORITY.newTicket,
  draft: POST_PRIORITY.people,
  draft_update: POST_PRIORITY.people,
  sent_reply: POST_PRIORITY.people,
  reminder: POST_PRIORITY.people,
  template_version: POST_PRIORITY.people,
  // The digest summarises the day; it need not jump ahead of new mail.
  digest: POST_PRIORITY.thread,
  // Data the customer asked to be removed should leave Slack before anything new comes.
  redaction: POST_PRIORITY.people,
  file_removal: POST_PRIORITY.people,
  split_update: POST_PRIORITY.people,
};

/** Posts that update a message in place (chat.update) rather than post a new one. */
export const UPDATE_KINDS: ReadonlySet<string> = new Set<PostKind>([
  POST_KINDS.ticketUpdate,
  POST_KINDS.draftUpdate,
  POST_KINDS.redaction,
  POST_KINDS.splitUpdate,
]);
