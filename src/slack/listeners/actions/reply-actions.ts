import type { SlackActionMiddlewareArgs, AllMiddlewareArgs } from '@slack/bolt';
import type { ListenerRegistry } from '../../listener-registry.js';
import { ACTION_IDS } from '../../ids.js';
import { openReply, type ReplyDeps, type ReplyOpening } from '../../../services/replies/open-reply.js';
import { openForward } from '../../../services/replies/open-forward.js';
import { readActionId } from '../../read-action-id.js';
import type { ReviewDeps } from '../../../services/replies/review-reply.js';
import { openComposeModal } from '../views/compose-submit.js';
import { buildReplyOpeningModal } from '../../views/reply-modals.js';
import { buildRefusalNotice } from '../../views/ticket-notices.js';

type Click = Pick<SlackActionMiddlewareArgs & AllMiddlewareArgs, 'body' | 'respond' | 'client'>;

/**
 * Reply and Forward: the modal must open within the trigger's 3 seconds, so the click is
 * acknowledged and the view opened straight after the (database-only) checks. ("Reply
 * anyway" and the modals' submission: views/reply-collision.ts, views/reply-submit.ts.)
 */
export function registerReplyActions(
  registry: ListenerRegistry,
  deps: { replies: ReplyDeps; review: ReviewDeps },
): void {
  registry.action(ACTION_IDS.ticketReply, async ({ ack, body, action, respond, client }) => {
    await ack();
    const ticketId = readActionId((action as { value?: string }).value) ?? -1;
    await openModal(deps.replies, { body, respond, client }, (actorId) =>
      openReply(deps.replies, { actorId, ticketId, deliberate: false }),
    );
  });
  registry.action(ACTION_IDS.mailNew, async ({ ack, body, action, client }) => {
    await ack();
    // The customer card's button carries the customer's address: the mail goes to them.
    const to = (action as { value?: string }).value ?? '';
    await openComposeModal(deps.review, {
      userId: body.user.id,
      triggerId: (body as { trigger_id: string }).trigger_id,
      to,
      client,
    });
  });
  registry.action(ACTION_IDS.mailForward, async ({ ack, body, action, respond, client }) => {
    await ack();
    const messageRowId = readActionId((action as { value?: string }).value) ?? -1;
    await openForwardModal(deps.replies, { body, respond, client }, messageRowId);
  });
}

/** "Forward…" on a mail (the option in the mail.original menu; `mail.forward` alike): the forward modal. */
export function openForwardModal(deps: ReplyDeps, click: Click, messageRowId: number): Promise<void> {
  return openModal(deps, click, (actorId) => openForward(deps, { actorId, messageRowId }));
}

/** The modal an opening gives, or the refusal to the clicker alone. */
async function openModal(
  deps: ReplyDeps,
  { body, respond, client }: Click,
  open: (actorId: string) => Promise<ReplyOpening>,
): Promise<void> {
  const locale = await deps.userLocales.localeOf(body.user.id);
  const opening = await open(body.user.id);
  if (opening.kind === 'refused')
    return void (await respond({
      response_type: 'ephemeral',
      replace_original: false,
      ...buildRefusalNotice(locale, opening.refusal),
    }));
  await client.views.open({
    trigger_id: (body as { trigger_id: string }).trigger_id,
    view: buildReplyOpeningModal(locale, opening),
  });
}
