/**
 * GET /metrics in Prometheus' text format. Two sources, so the code that does the work
 * needs no metrics calls of its own:
 * - every log line with a code counts as an event (`mailroom_events_total{code}`: mail
 *   fetched, posts, sends, …) and, at warn or worse, as a problem (`mailroom_problems_total`);
 * - queue depths and sync lag are read from the database when scraped, so every instance
 *   reports the same truth.
 * Node's own process figures (memory, event-loop lag, CPU) come with prom-client.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Db } from '../db/client.js';

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
  const events = new Counter({ name: 'mailroom_events_total', help: 'Logged events by code (mail fetched, posts, replies sent, …).', labelNames: ['code'], registers: [registry] });
  const problems = new Counter({ name: 'mailroom_problems_total', help: 'Warnings and errors by code.', labelNames: ['code'], registers: [registry] });
  return {
    registry,
    countLog(level, code) {
      if (!code) return;
      events.inc({ code });
      if (level >= WARN) problems.inc({ code });
    },
  };
}

/** Queue depths and sync lag, read from the database at each scrape. */
export function registerDatabaseGauges(metrics: Metrics, db: Db, now = () => Date.now()): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'mailroom_mail_waiting',
    help: 'Mails stored but not yet understood (parsed, threaded).',
    registers,
    async collect() {
      this.set(await db.message.count({ where: { parseState: 'stored', direction: 'in' } }));
    },
  });
  new Gauge({
    name: 'mailroom_mail_gaps',
    help: 'Mails on the server not stored yet (refused, left out, or failed to store), being tried again.',
    registers,
    async collect() {
      this.set(await db.mailGap.count({ where: { gaveUpAt: null } }));
    },
  });
  new Gauge({
    name: 'mailroom_mail_given_up',
    help: 'Mails given up on after a day of tries, by stage: fetch (still on the server) or ingest (stored, no ticket). npm run retry-mail tries them again.',
    labelNames: ['stage'],
    registers,
    async collect() {
      const [fetch, ingest] = await Promise.all([db.mailGap.count({ where: { gaveUpAt: { not: null } } }), db.message.count({ where: { parseState: 'given_up' } })]);
      this.set({ stage: 'fetch' }, fetch);
      this.set({ stage: 'ingest' }, ingest);
    },
  });
  new Gauge({
    name: 'mailroom_slack_posts_waiting',
    help: 'Slack posts queued or being posted.',
    registers,
    async collect() {
      this.set(await db.slackPost.count({ where: { state: { in: ['queued', 'posting'] } } }));
    },
  });
  new Gauge({
    name: 'mailroom_slack_posts_failed',
    help: 'Slack posts Slack refused for good.',
    registers,
    async collect() {
      this.set(await db.slackPost.count({ where: { state: 'failed' } }));
    },
  });
  new Gauge({
    name: 'mailroom_outbox_waiting',
    help: 'Approved replies not yet sent (queued or sending).',
    registers,
    async collect() {
      this.set(await db.outboxMail.count({ where: { state: { in: ['queued', 'sending'] } } }));
    },
  });
  new Gauge({
    name: 'mailroom_drafts_in_review',
    help: 'Replies waiting for a reviewer.',
    registers,
    async collect() {
      this.set(await db.draft.count({ where: { state: 'in_review' } }));
    },
  });
  new Gauge({
    name: 'mailroom_sync_lag_seconds',
    help: 'Seconds since each mailbox was last synced.',
    labelNames: ['mailbox'],
    registers,
    async collect() {
      for (const mailbox of await db.mailbox.findMany({ select: { key: true, lastSyncAt: true } })) {
        this.set({ mailbox: mailbox.key }, mailbox.lastSyncAt ? (now() - mailbox.lastSyncAt.getTime()) / 1000 : -1);
      }
    },
  });
}
