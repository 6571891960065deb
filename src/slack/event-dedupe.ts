/**
 * Bolt middleware: an event Slack delivers again (same event_id, e.g. after a slow answer)
 * is handled once. A delivery whose handling fails is forgotten, so Slack's retry may
 * succeed where it failed.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../logging/logger.js';
import type { ProcessedEvents } from '../services/processed-events.js';

export function eventDedupe(events: ProcessedEvents, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const eventId =
      (body as { type?: string; event_id?: string }).type === 'event_callback'
        ? (body as { event_id?: string }).event_id
        : undefined;
    if (!eventId) return next();
    if (!(await events.first(eventId))) {
      logger.info({ code: 'slack_event_repeat', eventId }, 'event already handled; ignoring the redelivery');
      return;
    }
    try {
      await next();
    } catch (error) {
      await events.forget(eventId).catch(() => {});
      throw error;
    }
  };
}
