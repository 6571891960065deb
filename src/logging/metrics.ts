/**
 * GET /metrics in Prometheus' text format. Two sources, so the code that does the work
 * needs no metrics calls of its own:
 * - every log line with a code counts as an event (`mailroom_events_total{code}`: mail
 *   fetched, posts, sends, …) and, at warn or worse, as a problem (`mailroom_problems_total`);
 * - queue depths and sync lag are read from the database when scraped, so every instance
 *   reports the same truth (services/database-gauges.ts).
 * Node's own process figures (memory, event-loop lag, CPU) come with prom-client.
 */
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Called by the logger for every line (see logging/logger.ts). */
  countLog(level: number, code: string | undefined): void;
}

/** pino's warn level. */
const WARN = 40;

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mailroom_' });
  const events = new Counter({
    name: 'mailroom_events_total',
    help: 'Logged events by code (mail fetched, posts, replies sent, …).',
    labelNames: ['code'],
    registers: [registry],
  });
  const problems = new Counter({
    name: 'mailroom_problems_total',
    help: 'Warnings and errors by code.',
    labelNames: ['code'],
    registers: [registry],
  });
  return {
    registry,
    countLog(level, code) {
      if (!code) return;
      events.inc({ code });
      if (level >= WARN) problems.inc({ code });
    },
  };
}
