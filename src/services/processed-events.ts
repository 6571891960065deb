/**
 * Slack redelivers an event it thinks we missed (same `event_id`), and with several
 * instances behind a load balancer a redelivery can reach another instance. The database
 * decides which delivery is the first: the event id is its primary key.
 */
import { isUniqueViolation } from '../db/errors.js';
import type { Db } from '../db/client.js';

/** Event ids are kept this long: Slack retries within minutes, never days. */
const KEEP_MS = 2 * 24 * 60 * 60 * 1000;
const PRUNE_EVERY = 500;

export interface ProcessedEvents {
  /** True for the first delivery of the event, false for a repeat. */
  first(eventId: string): Promise<boolean>;
  /** Handling failed: let Slack's retry try again. */
  forget(eventId: string): Promise<void>;
}

export function createProcessedEvents(db: Db, now = () => Date.now()): ProcessedEvents {
  let sincePrune = 0;
  return {
    async first(eventId) {
      try {
        await db.processedEvent.create({ data: { eventId } });
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
      sincePrune += 1;
      if (sincePrune >= PRUNE_EVERY) {
        sincePrune = 0;
        await db.processedEvent.deleteMany({ where: { createdAt: { lt: new Date(now() - KEEP_MS) } } });
      }
      return true;
    },
    async forget(eventId) {
      await db.processedEvent.deleteMany({ where: { eventId } });
    },
  };
}
