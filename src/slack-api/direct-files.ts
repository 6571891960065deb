/**
 * A file for one person alone: uploaded with files upload v2 and shared in the direct
 * message between the bot and that person (conversations.open, `im:write`; then
 * files.completeUploadExternal to that DM, `files:write`). Nobody else sees it: not the
 * channel, not the thread.
 */
import type { WebClient } from '@slack/web-api';
import { slackErrorCode } from './slack-probe.js';
import { uploadToSlack } from './upload-file.js';

export interface DirectFile {
  filename: string;
  title: string;
  /** Bytes in all, announced before they are sent. */
  length: number;
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** The message the file is shared with (mrkdwn). */
  comment: string;
}

export interface DirectFiles {
  /** Shares the file in the user's DM with the bot; throws what Slack answered when it cannot. */
  send(userId: string, file: DirectFile): Promise<void>;
}

export function createDirectFiles(client: WebClient): DirectFiles {
  return {
    async send(userId, file) {
      // The DM first: a user Slack will not open one with gets no upload made for nothing.
      const opened = await client.conversations.open({ users: userId });
      const channelId = opened.channel?.id;
      if (!channelId) throw Object.assign(new Error('conversations.open named no channel'), { code: 'no_dm_channel' });
      const fileId = await uploadToSlack(client, file.filename, file.length, file.chunks);
      await client.files.completeUploadExternal({
        files: [{ id: fileId, title: file.title }],
        channel_id: channelId,
        initial_comment: file.comment,
      });
    },
  };
}

/** Why sending failed: Slack's error code (`not_allowed_token_type`, …) or the error's own, for the asker and the log. */
export interface DirectFileFailure {
  code: string;
  error: unknown;
}

/** Sends the files one after the other; what stopped them, or undefined when all went. */
export async function sendDirectFiles(
  directFiles: DirectFiles,
  userId: string,
  files: readonly DirectFile[],
): Promise<DirectFileFailure | undefined> {
  try {
    for (const file of files) await directFiles.send(userId, file);
    return undefined;
  } catch (error) {
    return { code: failureCode(error), error };
  }
}

function failureCode(error: unknown): string {
  const code = slackErrorCode(error) ?? (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'upload_failed';
}
