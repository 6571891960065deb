/**
 * Delay before reconnect attempt `attempt` (1-based): doubling from `baseMs` up to
 * `maxMs`, with up to 20% jitter so many instances do not reconnect in lockstep.
 */
export function backoffDelay(attempt: number, baseMs = 1_000, maxMs = 60_000, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (1 - 0.2 * random()));
}

/**
 * Retries of one mail that failed (fetched but not stored, stored but not made a ticket):
 * 1 minute doubling to 6 hours, so a passing trouble costs minutes and a long one is still
 * retried through the day; after MAIL_RETRY_TRIES tries, about a day, the mail is given up
 * on visibly (a channel post, /metrics) until an admin tries it again.
 */
export const MAIL_RETRY_TRIES = 12;

/** When to try a mail again after its `attempt`-th failed try (1-based). */
export function mailRetryAt(attempt: number, now: Date, random = Math.random): Date {
  return new Date(now.getTime() + backoffDelay(attempt, 60_000, 6 * 60 * 60_000, random));
}
