/**
 * The gauges of GET /metrics that the database answers: queue depths and sync lag, read
 * at each scrape, so every instance reports the same truth.
 */
import { Gauge } from 'prom-client';
import type { Db } from '../../db/client.js';
import type { Metrics } from '../../logging/metrics.js';

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
      const [fetch, ingest] = await Promise.all([
        db.mailGap.count({ where: { gaveUpAt: { not: null } } }),
        db.message.count({ where: { parseState: 'given_up' } }),
      ]);
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
