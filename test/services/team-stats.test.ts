/**
 * `/mail stats` on both databases: received, replied, closed, first response and close
 * times (median, p90), by agent and urgency, unclaimed now, waiting for review; only the
 * channels the person is in; within Block Kit with many agents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import type { DatabaseProvider } from '../../src/db/schema-source.js';
import { periodStart, teamStats, type StatsRows } from '../../src/domain/stats.js';
import { createLogger } from '../../src/logging/logger.js';
import { answerStats, computeStats, type StatsDeps } from '../../src/services/reports/team-stats.js';
import { answerExport, type ExportDeps } from '../../src/services/reports/export-tickets.js';
import type { UserLocales } from '../../src/slack-api/user-locales.js';
import { buildStatsAnswer, buildStatsMessage, formatDuration } from '../../src/slack/views/stats-message.js';
import { checkBlocks } from '../support/block-kit-rules.js';
import { migratedDatabase, type MigratedDatabase } from '../support/migrated-database.js';
import { fixedMembers } from '../support/fixed-members.js';
import { describeWithPostgres } from '../support/services.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const MIN = 60_000;

function statsOn(provider: DatabaseProvider, adminUrl?: string) {
  let database: MigratedDatabase;
  let db: Db;
  // The locale is the listener's to look up; the service answers with data.
  let deps: StatsDeps & { userLocales: UserLocales };

  beforeAll(async () => {
    database = await migratedDatabase(provider, adminUrl);
    db = database.db;
    deps = {
      db,
      logger: createLogger('silent'),
      members: fixedMembers({ C0SUPPORT: ['U0LEAD'], C0SALES: ['U0BOTH'], C0BILLING: ['U0BOTH'] }),
      userLocales: { localeOf: async () => 'en' },
      now: () => NOW,
    };
    const mailbox = await db.mailbox.create({
      data: { key: 'support', address: 'support@example.com', name: 'Support', channelId: 'C0SUPPORT' },
    });
    let number = 0;
    async function ticket(data: {
      created: Date;
      first?: number;
      closed?: number;
      assignee?: string;
      urgency?: string;
      status?: string;
      channel?: string;
      replyBy?: string;
      review?: boolean;
      tags?: string[];
    }) {
      number += 1;
      const row = await db.ticket.create({
        data: {
          mailboxId: mailbox.id,
          number,
          subject: `t${number}`,
          slackChannelId: data.channel ?? 'C0SUPPORT',
          slackTs: `1.${number}`,
          createdAt: data.created,
          urgency: data.urgency ?? 'normal',
          assigneeId: data.assignee ?? null,
          status: data.status ?? (data.closed !== undefined ? 'done' : 'open'),
          firstResponseAt: data.first !== undefined ? new Date(data.created.getTime() + data.first * MIN) : null,
          closedAt: data.closed !== undefined ? new Date(data.created.getTime() + data.closed * MIN) : null,
          tags: JSON.stringify(data.tags ?? []),
        },
      });
      await db.message.create({
        data: {
          mailboxId: mailbox.id,
          ticketId: row.id,
          direction: 'in',
          dedupeKey: `in${number}`,
          raw: Buffer.from('x'),
          contentHash: `h${number}`,
          size: 1,
          receivedAt: data.created,
        },
      });
      if (data.replyBy || data.review) {
        const draft = await db.draft.create({
          data: {
            ticketId: row.id,
            authorId: data.replyBy ?? 'U0NEWBIE',
            subject: 'Re',
            body: 'b',
            state: data.review ? 'in_review' : 'sent',
          },
        });
        if (data.replyBy)
          await db.outboxMail.create({
            data: {
              mailboxId: mailbox.id,
              draftId: draft.id,
              messageId: `out${number}@x`,
              raw: Buffer.from('x'),
              state: 'sent',
              sentAt: new Date(data.created.getTime() + (data.first ?? 0) * MIN),
            },
          });
      }
    }
    const day = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
    await ticket({
      created: day(1),
      first: 30,
      closed: 120,
      assignee: 'U0AGENT1',
      replyBy: 'U0AGENT1',
      tags: ['vip', 'billing'],
    });
    await ticket({
      created: day(2),
      first: 90,
      closed: 600,
      assignee: 'U0AGENT1',
      replyBy: 'U0AGENT1',
      urgency: 'urgent',
    });
    await ticket({
      created: day(3),
      first: 10,
      assignee: 'U0AGENT2',
      replyBy: 'U0AGENT2',
      status: 'in_progress',
      urgency: 'critical',
    });
    // Tags stored before they were normalised count as the tag they are.
    await ticket({ created: day(0.1), tags: ['VIP', 'refund'] });
    await ticket({ created: day(0.2), review: true, assignee: 'U0NEWBIE', status: 'in_progress' });
    await ticket({ created: day(40), first: 5, closed: 50, assignee: 'U0AGENT1', tags: ['vip'] });
    await ticket({
      created: day(1),
      first: 1,
      closed: 2,
      assignee: 'U0SECRET',
      channel: 'C0SECRET',
      replyBy: 'U0SECRET',
      tags: ['secret'],
    });
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  it(`${provider}: a custom status counts as open or closed by its own mailbox's statuses`, async () => {
    // `waiting` is open in sales and closed in billing; one unclaimed ticket of each.
    for (const [key, channel, category] of [
      ['sales', 'C0SALES', 'open'],
      ['billing', 'C0BILLING', 'closed'],
    ] as const) {
      const mailbox = await db.mailbox.create({
        data: { key, address: `${key}@example.com`, name: key, channelId: channel },
      });
      await db.customStatus.create({
        data: { mailboxId: mailbox.id, key: 'waiting', labelJa: '待ち', labelEn: 'Waiting', category, position: 0 },
      });
      await db.ticket.create({
        data: {
          mailboxId: mailbox.id,
          number: 1,
          subject: key,
          slackChannelId: channel,
          slackTs: `2.${key.length}`,
          status: 'waiting',
          createdAt: NOW,
        },
      });
    }
    expect((await computeStats(deps, 'U0BOTH', periodStart('week', NOW)))!.unclaimed).toBe(1);
  });

  it(`${provider}: the week's numbers, by agent and urgency, only the user's channels`, async () => {
    const stats = (await computeStats(deps, 'U0LEAD', periodStart('week', NOW)))!;
    expect(stats).toMatchObject({ received: 5, replied: 3, closed: 2, unclaimed: 1, waitingForReview: 1 });
    expect(stats.firstResponse).toEqual({ count: 3, median: 30 * MIN, p90: 90 * MIN });
    expect(stats.timeToClose).toEqual({ count: 2, median: 120 * MIN, p90: 600 * MIN });
    expect(stats.byAgent.map((group) => [group.key, group.replied, group.closed])).toEqual([
      ['U0AGENT1', 2, 2],
      ['U0AGENT2', 1, 0],
      ['U0NEWBIE', 0, 0],
    ]);
    expect(stats.byUrgency.map((group) => [group.key, group.received])).toEqual([
      ['critical', 1],
      ['urgent', 1],
      ['normal', 3],
    ]);
    const today = (await computeStats(deps, 'U0LEAD', periodStart('today', NOW)))!;
    expect(today.received).toBe(2);
    expect(await computeStats(deps, 'U0OUTSIDER', periodStart('week', NOW))).toBeNull();
    const message = buildStatsAnswer(
      await deps.userLocales.localeOf('U0LEAD'),
      await answerStats(deps, { userId: 'U0LEAD', text: 'month' }),
    );
    expect(message.text).toBe('Numbers for the last 30 days');
    expect(checkBlocks('message', message.blocks)).toEqual([]);
  });

  it(`${provider}: /mail export: the tickets and numbers of the period, a range with an end, filters, only the user's channels`, async () => {
    const exportDeps = {
      ...deps,
      mailboxes: [{ key: 'support', businessHours: { timeZone: 'Asia/Tokyo' } }] as unknown as ExportDeps['mailboxes'],
    };
    const ask = async (text: string, userId = 'U0LEAD') => answerExport(exportDeps, { userId, text });
    const week = await ask('week');
    if (week.kind !== 'export') throw new Error(week.kind);
    expect(week.tickets.map((ticket) => ticket.subject).sort()).toEqual(['t1', 't2', 't3', 't4', 't5']);
    expect(week.tickets[0]).toMatchObject({ mailboxKey: 'support', timeZone: 'Asia/Tokyo' });
    expect(week.stats).toEqual(await computeStats(deps, 'U0LEAD', periodStart('week', NOW)));

    // after:/before: alone bound the period: as things stood at its end.
    const between = await ask('after:2026-11-16 before:2026-11-19');
    if (between.kind !== 'export') throw new Error(between.kind);
    expect(between.period).toBeNull();
    expect(between.tickets.map((ticket) => ticket.subject)).toEqual(['t3', 't2']);
    expect(between.stats).toMatchObject({ received: 2, replied: 2, closed: 1 });

    const critical = await ask('week urgency:critical');
    expect(critical.kind === 'export' && critical.tickets.map((ticket) => ticket.subject)).toEqual(['t3']);
    expect(await ask('week urgency:soon')).toEqual({
      kind: 'problem',
      problem: { kind: 'bad_urgency', value: 'soon' },
    });
    expect(await ask('week', 'U0OUTSIDER')).toEqual({ kind: 'no_access' });
  });

  it(`${provider}: tickets opened in the period per tag, most first, only the user's channels`, async () => {
    const week = (await computeStats(deps, 'U0LEAD', periodStart('week', NOW)))!;
    expect(week.byTag).toEqual([
      { tag: 'vip', tickets: 2 },
      { tag: 'billing', tickets: 1 },
      { tag: 'refund', tickets: 1 },
    ]);
    const month = (await computeStats(deps, 'U0LEAD', periodStart('month', NOW)))!;
    expect(month.byTag[0]).toEqual({ tag: 'vip', tickets: 2 });
    const message = buildStatsMessage({ locale: 'ja', period: 'week', start: periodStart('week', NOW), stats: week });
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('タグ別');
    expect(json).toContain('• `vip`：2 件');
    expect(json).not.toContain('secret');
  });
}

describe('SQLite', () => statsOn('sqlite'));
describeWithPostgres('PostgreSQL', (adminUrl) => statsOn('postgresql', adminUrl));

describe('stats views', () => {
  it('fit Block Kit with a realistic month: 60 agents, both languages', () => {
    const rows: StatsRows = {
      start: new Date('2026-10-21T00:00:00Z'),
      tickets: Array.from({ length: 3000 }, (_, i) => ({
        assigneeId: `U0AGENT${String(i % 60).padStart(3, '0')}`,
        urgency: ['normal', 'urgent', 'critical'][i % 3]!,
        createdAt: new Date(Date.UTC(2026, 9, 22) + i * 60_000),
        firstResponseAt: new Date(Date.UTC(2026, 9, 22) + i * 60_000 + (i % 300) * MIN),
        closedAt: i % 2 ? new Date(Date.UTC(2026, 9, 23) + i * 60_000) : null,
      })),
      receivedMails: Array.from({ length: 4000 }, (_, i) => ({
        urgency: 'normal',
        assigneeId: `U0AGENT${String(i % 60).padStart(3, '0')}`,
      })),
      replies: Array.from({ length: 2500 }, (_, i) => ({
        authorId: `U0AGENT${String(i % 60).padStart(3, '0')}`,
        urgency: 'urgent',
      })),
      unclaimed: 12,
      waitingForReview: 4,
    };
    rows.tickets.forEach((ticket, i) => {
      // 200 tags, the worst to escape.
      ticket.tags = [`${'&'.repeat(36)}${i % 200}`, `<!channel>${i % 7}`];
    });
    for (const locale of ['en', 'ja'] as const) {
      const message = buildStatsMessage({ locale, period: 'month', start: rows.start, stats: teamStats(rows) });
      expect(checkBlocks('message', message.blocks)).toEqual([]);
      const json = JSON.stringify(message.blocks);
      expect(json).toContain(locale === 'en' ? '…and 20 more' : '…ほか 20 人');
      expect(json).toContain(locale === 'en' ? '…and 192 more tags' : '…ほか 192 個のタグ');
      expect(json).not.toContain('<!channel>');
    }
    expect(formatDuration('ja', 135 * MIN)).toBe('2時間15分');
    expect(formatDuration('en', 3 * 1440 * MIN + 60 * MIN)).toBe('3 d 1 h');
  });
});
