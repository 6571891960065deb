/**
 * Delay before reconnect attempt `attempt` (1-based): doubling from `baseMs` up to
 * `maxMs`, with up to 20% jitter so many instances do not reconnect in lockstep.
 */
export function backoffDelay(attempt: number, baseMs = 1_000, maxMs = 60_000, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (1 - 0.2 * random()));
}
