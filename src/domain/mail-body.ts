/**
 * How much of a mail's text one Slack message shows. Here, below the views, because
 * ingest decides by it too: a text longer than this also goes into the thread as a .txt
 * file (load-thread-files.ts), while the view shows the first part (mail-body-message.ts).
 */
import { escapeMrkdwn } from './mrkdwn.js';

/** Escaped body characters per message: well under the ~13k Slack accepts in blocks. */
export const BODY_CHARS_PER_MESSAGE = 9_000;

/** Whether a mail's text, escaped as it is shown, is longer than one message holds. */
export function bodyOverflowsMessage(text: string): boolean {
  return escapeMrkdwn(text.trim()).length > BODY_CHARS_PER_MESSAGE;
}
