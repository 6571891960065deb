/**
 * A modal updated in answer to a choice made in it (a template menu): with the hash Slack
 * sent, so a choice made on a modal that changed meanwhile (another choice already applied)
 * is refused by Slack and logged, never applied over the newer one.
 */
import type { AllMiddlewareArgs } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { Logger } from '../logging/logger.js';
import { slackErrorCode } from '../slack-api/slack-probe.js';

export async function updateModalInPlace(
  client: AllMiddlewareArgs['client'],
  logger: Logger,
  input: { viewId: string; hash: string; view: ModalView; actorId: string; supersededCode: string },
): Promise<void> {
  try {
    await client.views.update({ view_id: input.viewId, hash: input.hash, view: input.view });
  } catch (error) {
    if (slackErrorCode(error) !== 'hash_conflict') throw error;
    logger.info(
      { code: input.supersededCode, actorId: input.actorId },
      'the modal changed meanwhile; this choice was not applied',
    );
  }
}
