/**
 * Files a reply attaches. Two sources, both Slack files named by id: files uploaded in the
 * reply modal (its file_input; Slack's signed submission describes them), and files
 * already in the ticket's thread, chosen from a list read from the database — the mail's
 * attachments Mailroom shared there (its `files` posts) and files people shared in the
 * thread (their comments) — never from Slack's history, so the list is the same after a
 * restart and nobody can slip in a file from elsewhere.
 *
 * Submitting records each file of the revision (name, type, size: what the reviewer is
 * shown). The bytes are fetched from Slack only when that revision is approved (or queued
 * without review) and go into the outbox's raw mail in the same step, so what is sent is
 * fixed once, and a fetched file that is not the size the reviewer saw is refused.
 */
import { REPLY_ATTACHMENT_MAX_MB_DEFAULT, type TMailboxConfig } from '../../config/config-schema.js';
import type { Db, Tx } from '../../db/client.js';
import type { MailAttachment } from '../../mail/build-reply-mail.js';
import { POST_KINDS } from '../../posts/post-kinds.js';
import type { SlackFiles } from '../../slack-api/slack-files.js';
import { parseJson } from '../../util/parse-json.js';

/** A file in the ticket's thread the reply may attach. */
export interface AttachmentChoice {
  id: string;
  name: string;
}

/** A file uploaded in the modal, as Slack's view_submission describes it. */
export interface UploadedFile {
  id: string;
  name: string;
  mimetype: string;
  size: number;
}

/** What the person chose in the modal. */
export interface ChosenAttachments {
  uploaded: readonly UploadedFile[];
  threadFileIds: readonly string[];
}

/** One file of a draft's revision: what the reviewer sees, and what is fetched on approval. */
export interface DraftFile {
  slackFileId: string;
  filename: string;
  contentType: string;
  size: number;
}

/** Which of the modal's file fields a problem is shown on. */
export type AttachmentField = 'files' | 'threadFiles';

export type AttachmentProblem =
  /** `forwardedBytes`: of the total, the forwarded mail's own files (sent on with a forward). */
  | { kind: 'attachments_too_large'; totalBytes: number; limitBytes: number; forwardedBytes?: number }
  | { kind: 'file_unavailable'; filename: string }
  | { kind: 'too_many_files'; max: number };

export type CheckedAttachments =
  | { ok: true; files: DraftFile[] }
  | { ok: false; field: AttachmentField; problem: AttachmentProblem };

/** At most this many thread files are offered (Slack's limit for a menu's options). */
const CHOICES_MAX = 100;
/** Files per field: Slack's file_input takes 10, and the thread menu lets 10 be chosen. */
export const FILES_PER_FIELD_MAX = 10;

/** The mailbox's limit for a reply's attachments together, in bytes (REPLY_ATTACHMENT_MAX_MB). */
export function attachmentLimitBytes(mailboxes: readonly TMailboxConfig[], mailboxKey: string): number {
  const megabytes =
    mailboxes.find((mailbox) => mailbox.key === mailboxKey)?.replyAttachmentMaxMb ?? REPLY_ATTACHMENT_MAX_MB_DEFAULT;
  return megabytes * 1024 * 1024;
}

/** The same limit in MB, as the modals' file field says it; the smallest of several mailboxes (a new mail's choice). */
export function attachmentLimitMb(mailboxes: readonly TMailboxConfig[], mailboxKeys: readonly string[]): number {
  return Math.min(...mailboxKeys.map((key) => attachmentLimitBytes(mailboxes, key))) / (1024 * 1024);
}

/**
 * The files in a ticket's thread, newest last (the newest CHOICES_MAX): the mail's
 * attachments Mailroom shared, the files people shared in their (undeleted) comments, and
 * the files the draft attaches now (an upload from an earlier revision stays choosable).
 */
export async function threadFileChoices(db: Db, ticketId: number, draftId?: number): Promise<AttachmentChoice[]> {
  const [posts, comments, attached] = await Promise.all([
    db.slackPost.findMany({
      where: { ticketId, kind: POST_KINDS.files, state: 'posted' },
      orderBy: { id: 'asc' },
      select: { payload: true },
    }),
    db.comment.findMany({ where: { ticketId, deletedAt: null }, orderBy: { id: 'asc' }, select: { files: true } }),
    draftId === undefined ? [] : currentDraftFiles(db, draftId),
  ]);
  const choices = [
    ...posts.flatMap((post) =>
      (parseJson<{ fileIds?: { id: string; title: string }[] }>(post.payload)?.fileIds ?? []).map((file) => ({
        id: file.id,
        name: file.title,
      })),
    ),
    ...comments.flatMap((comment) => parseJson<AttachmentChoice[]>(comment.files) ?? []),
    ...attached.map((file) => ({ id: file.slackFileId, name: file.filename })),
  ].filter((choice) => typeof choice.id === 'string' && choice.id !== '');
  const unique = [...new Map(choices.map((choice) => [choice.id, choice])).values()];
  return unique.slice(-CHOICES_MAX);
}

/** The files of one revision of a draft. */
export async function draftFiles(db: Db | Tx, draftId: number, revision: number): Promise<DraftFile[]> {
  return db.draftAttachment.findMany({
    where: { draftId, revision },
    orderBy: { id: 'asc' },
    select: { slackFileId: true, filename: true, contentType: true, size: true },
  });
}

/** The files of the draft's current revision. */
async function currentDraftFiles(db: Db, draftId: number): Promise<DraftFile[]> {
  const draft = await db.draft.findUnique({ where: { id: draftId }, select: { revision: true } });
  return draft ? draftFiles(db, draftId, draft.revision) : [];
}

/**
 * The chosen files checked: thread files must be among those offered and still readable
 * (files.info gives their name, type and size), and all together within the limit.
 */
export async function checkAttachments(
  deps: { db: Db; files: SlackFiles },
  input: {
    ticketId: number;
    draftId: number;
    limitBytes: number;
    chosen: ChosenAttachments;
    /** Bytes the mail carries besides the chosen files (a forward's forwarded attachments): they count too. */
    forwardedBytes?: number;
  },
): Promise<CheckedAttachments> {
  const { chosen } = input;
  // More than the modal lets anyone choose would not all be listed for the reviewer.
  for (const [field, count] of [
    ['files', chosen.uploaded.length],
    ['threadFiles', new Set(chosen.threadFileIds).size],
  ] as const) {
    if (count > FILES_PER_FIELD_MAX)
      return { ok: false, field, problem: { kind: 'too_many_files', max: FILES_PER_FIELD_MAX } };
  }
  const files: DraftFile[] = chosen.uploaded.map((file) => ({
    slackFileId: file.id,
    filename: file.name,
    contentType: file.mimetype || 'application/octet-stream',
    size: file.size,
  }));
  if (chosen.threadFileIds.length) {
    const offered = new Map(
      (await threadFileChoices(deps.db, input.ticketId, input.draftId)).map((choice) => [choice.id, choice]),
    );
    for (const id of new Set(chosen.threadFileIds)) {
      const info = offered.has(id) ? await deps.files.info(id) : null;
      if (!info) {
        const filename = offered.get(id)?.name ?? id;
        return { ok: false, field: 'threadFiles', problem: { kind: 'file_unavailable', filename } };
      }
      files.push({ slackFileId: info.id, filename: info.name, contentType: info.mimetype, size: info.size });
    }
  }
  const forwardedBytes = input.forwardedBytes ?? 0;
  const totalBytes = files.reduce((sum, file) => sum + file.size, forwardedBytes);
  if (totalBytes > input.limitBytes) {
    return {
      ok: false,
      // Shown where the person can act on it: the upload, when anything was uploaded (or nothing was chosen).
      field: chosen.uploaded.length || !chosen.threadFileIds.length ? 'files' : 'threadFiles',
      problem: {
        kind: 'attachments_too_large',
        totalBytes,
        limitBytes: input.limitBytes,
        ...(forwardedBytes ? { forwardedBytes } : {}),
      },
    };
  }
  return { ok: true, files };
}

/** Records a revision's files (in the submission's transaction). */
export async function saveDraftFiles(tx: Tx, draftId: number, revision: number, files: DraftFile[]): Promise<void> {
  await tx.draftAttachment.deleteMany({ where: { draftId, revision } });
  if (files.length)
    await tx.draftAttachment.createMany({ data: files.map((file) => ({ draftId, revision, ...file })) });
}

export type FetchedAttachments = { ok: true; attachments: MailAttachment[] } | { ok: false; filename: string };

/**
 * The files' bytes from Slack, one after the other, each checked against the size the
 * reviewer was shown. A file that is gone or changed names itself.
 */
export async function fetchAttachments(files: SlackFiles, list: readonly DraftFile[]): Promise<FetchedAttachments> {
  const attachments: MailAttachment[] = [];
  for (const file of list) {
    const info = await files.info(file.slackFileId);
    const content = info && info.size === file.size ? await files.download(info) : null;
    if (!content) return { ok: false, filename: file.filename };
    attachments.push({ filename: file.filename, contentType: file.contentType, content });
  }
  return { ok: true, attachments };
}
