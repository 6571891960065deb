import { sendOriginal, type OriginalMailDeps } from '../../../services/tickets/original-mail.js';
import type { UserLocales } from '../../../slack-api/user-locales.js';
import { ACTION_IDS } from '../../ids.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { readForwardChoice, readOriginalChoice, type ClickedAction } from '../../read-ticket-action.js';
import type { ReplyDeps } from '../../../services/replies/open-reply.js';
import { openForwardModal } from './reply-actions.js';
import { buildOriginalAnswer, buildOriginalComment } from '../../views/original-notices.js';

/**
 * The menu beside a mail's text: "Forward…" (the forward modal), and its original (sanitised HTML, or the .eml source) to the
 * asker's DM with Mailroom, and a word below the mail, to them alone, saying so or why not.
 */
export function registerMailOriginal(
  registry: ListenerRegistry,
  deps: { userLocales: UserLocales; originals: OriginalMailDeps; replies: ReplyDeps },
): void {
  registry.action(ACTION_IDS.mailOriginal, async ({ ack, body, action, respond, client }) => {
    await ack();
    // The menu's "Forward…" (an overflow has one action id): the forward modal.
    const forward = readForwardChoice(action as ClickedAction);
    if (forward !== null) return openForwardModal(deps.replies, { body, respond, client }, forward);
    const choice = readOriginalChoice(action as ClickedAction);
    if (!choice) return;
    const userId = body.user.id;
    const locale = await deps.userLocales.localeOf(userId);
    const answer = await sendOriginal(deps.originals, {
      userId,
      ...choice,
      comment: (info) => buildOriginalComment(locale, info),
    });
    await respond({ response_type: 'ephemeral', replace_original: false, ...buildOriginalAnswer(locale, answer) });
  });
}
