/**
 * The Home dashboard on both databases: my tickets, waiting for my review (only in the
 * mailboxes I review, never my own drafts), unclaimed, overdue (the mailbox's response
 * targets in its business hours, as the reminders count them), the week's volume and
 * first responses; a status means what its own mailbox says; the chart is a valid PNG;
 * the tab fits Block Kit with a realistic amount of data, in both languages.
 */
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZReminders } from '../../src/config/config-schema.js';
import type { Db } from '../../src/db/client.js';
import type { DatabaseProvider } from '../../src/db/schema-source.js';
import { drawWeekChart } from '../../src/domain/week-chart.js';
import { createLogger } from '../../src/logging/logger.js';
import { readHomeData, type HomeData, type HomeDataDeps } from '../../src/services/reports/home-data.js';
import { composeHome } from '../../src/slack/publish-home.js';
import { crc32 } from '../../src/util/png.js';
import { buildHomeView } from '../../src/slack/views/home-view.js';
import { checkView } from '../support/block-kit-rules.js';
import { migratedDatabase, type MigratedDatabase } from '../support/migrated-database.js';
import { fixedMembers } from '../support/fixed-members.js';
import { describeWithPostgres } from '../support/services.js';

// A Friday noon, within the mailbox's business hours (09:00–18:00 UTC, Monday to Friday).
const NOW = new Date('2026-11-20T12:00:00Z');
const HOUR = 3_600_000;
const ME = 'U0ME';

function homeOn(provider: DatabaseProvider, adminUrl?: string) {
  let database: MigratedDatabase;
  let db: Db;
  let deps: HomeDataDeps;

  beforeAll(async () => {
    database = await migratedDatabase(provider, adminUrl);
    db = database.db;
    deps = {
      db,
      logger: createLogger('silent'),
      members: fixedMembers({ C0SUPPORT: [ME] }),
      permalink: async (channel, ts) => `https://example.slack.com/archives/${channel}/p${ts.replace('.', '')}`,
      mailboxes: [
        {
          key: 'support',
          reviewers: [ME],
          businessHours: { timeZone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' },
          reminders: ZReminders.parse({ responseTargetMinutes: { normal: 600, urgent: 120, critical: 60 } }),
        },
      ] as unknown as HomeDataDeps['mailboxes'],
      reviewers: { isReviewer: async (ids, user) => ids.includes(user) },
      now: () => NOW,
    };
    const mailbox = await db.mailbox.create({
      data: { key: 'support', address: 'support@example.com', name: 'Support', channelId: 'C0SUPPORT' },
    });
    // The same status key, closed in a mailbox I do not see, is only waiting in mine.
    const secret = await db.mailbox.create({
      data: { key: 'secret', address: 'secret@example.com', name: 'Secret', channelId: 'C0SECRET' },
    });
    await db.customStatus.create({
      data: { mailboxId: mailbox.id, key: 'parked', labelJa: '保留', labelEn: 'Parked', category: 'pending' },
    });
    await db.customStatus.create({
      data: { mailboxId: secret.id, key: 'parked', labelJa: '終了', labelEn: 'Closed', category: 'closed' },
    });
    let number = 0;
    async function ticket(data: {
      hoursAgo: number;
      assignee?: string;
      status?: string;
      urgency?: string;
      first?: number;
      reopenedHoursAgo?: number;
      draftBy?: string;
      channel?: string;
      snoozedHours?: number;
    }) {
      number += 1;
      const createdAt = new Date(NOW.getTime() - data.hoursAgo * HOUR);
      const row = await db.ticket.create({
        data: {
          mailboxId: mailbox.id,
          number,
          subject: `件名 ${number}`,
          slackChannelId: data.channel ?? 'C0SUPPORT',
          slackTs: `1.${number}`,
          createdAt,
          lastMessageAt: createdAt,
          assigneeId: data.assignee ?? null,
          status: data.status ?? 'open',
          urgency: data.urgency ?? 'normal',
          firstResponseAt: data.first !== undefined ? new Date(createdAt.getTime() + data.first * HOUR) : null,
          reopenedAt:
            data.reopenedHoursAgo !== undefined ? new Date(NOW.getTime() - data.reopenedHoursAgo * HOUR) : null,
          snoozedUntil: data.snoozedHours !== undefined ? new Date(NOW.getTime() + data.snoozedHours * HOUR) : null,
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
          receivedAt: createdAt,
        },
      });
      if (data.draftBy)
        await db.draft.create({
          data: { ticketId: row.id, authorId: data.draftBy, subject: 'Re', body: 'b', state: 'in_review' },
        });
    }
    await ticket({ hoursAgo: 2, assignee: ME, status: 'in_progress', first: 1 }); // 1: mine
    await ticket({ hoursAgo: 3, assignee: ME, status: 'done', first: 1 }); // 2: mine but closed
    await ticket({ hoursAgo: 0.5 }); // 3: unclaimed, not overdue
    await ticket({ hoursAgo: 30 }); // 4: unclaimed, overdue (normal: 12 business hours ≥ 10)
    await ticket({ hoursAgo: 2, urgency: 'critical', assignee: 'U0OTHER', status: 'in_progress' }); // 5: overdue (critical: 2 h > 1)
    await ticket({ hoursAgo: 5, assignee: 'U0NEWBIE', status: 'in_progress', draftBy: 'U0NEWBIE', first: 2 }); // 6: review
    await ticket({ hoursAgo: 6, assignee: ME, status: 'in_progress', draftBy: ME, first: 3 }); // 7: my own draft
    await ticket({ hoursAgo: 1, channel: 'C0SECRET' }); // 8: not my channel
    await ticket({ hoursAgo: 3, urgency: 'urgent', assignee: 'U0OTHER', status: 'in_progress' }); // 9: overdue (this mailbox's urgent target: 2 h)
    await ticket({ hoursAgo: 24.5, assignee: 'U0OTHER', status: 'in_progress' }); // 10: 24½ h on the clock, 9½ business hours: not overdue
    await ticket({
      hoursAgo: 50,
      urgency: 'critical',
      assignee: 'U0OTHER',
      status: 'in_progress',
      first: 1,
      reopenedHoursAgo: 2,
    }); // 11: answered, reopened 2 h ago: overdue
    await ticket({ hoursAgo: 4, assignee: ME, status: 'parked' }); // 12: mine, waiting
    await ticket({ hoursAgo: 3, urgency: 'critical', assignee: 'U0OTHER', status: 'in_progress', snoozedHours: 1 }); // 13: late, but snoozed for another hour: not overdue (as for reminders)
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  it(`${provider}: the lists and the week`, async () => {
    const data = (await readHomeData(deps, ME))!;
    const numbers = (list: { tickets: { number: number }[] }) => list.tickets.map((ticket) => ticket.number);
    expect(numbers(data.mine)).toEqual([1, 12, 7]);
    expect(numbers(data.review)).toEqual([6]);
    expect(numbers(data.unclaimed)).toEqual([3, 4]);
    expect(numbers(data.overdue)).toEqual([11, 4, 9, 5]);
    expect(data.overdue.count).toBe(4);
    expect(data.week.received).toBe(12);
    expect(data.week.days.reduce((sum, day) => sum + day.received, 0)).toBe(12);
    expect(data.week.medianFirstResponseMs).toBe(HOUR); // 1, 1, 1, 2, 3 hours: the nearest-rank median
    expect(await readHomeData(deps, 'U0OUTSIDER')).toBeNull();
    const view = await composeHome(
      {
        userLocales: { localeOf: async () => 'ja' },
        mailboxes: [],
        templates: { db: deps.db, mailboxes: [], members: deps.members },
        dashboard: { ...deps, uploadChart: async () => 'F0CHART' },
      },
      ME,
    );
    expect(checkView(view)).toEqual([]);
    expect(JSON.stringify(view)).toContain('自分のチケット（3 件）');
    expect(view.blocks.find((block) => block.type === 'image')).toMatchObject({ slack_file: { id: 'F0CHART' } });
  });
}

describe('SQLite', () => homeOn('sqlite'));
describeWithPostgres('PostgreSQL', (adminUrl) => homeOn('postgresql', adminUrl));

describe('Home view and chart', () => {
  it('fit Block Kit with full lists and long subjects, in both languages', () => {
    const list = {
      count: 250,
      tickets: Array.from({ length: 8 }, (_, i) => ({
        number: 10_000 + i,
        subject: '<!channel> 返品 & 交換 | '.repeat(30),
        urgency: 'critical',
        createdAt: NOW,
        permalink: 'https://example.slack.com/archives/C0SUPPORT/p1',
      })),
    };
    const data: HomeData = {
      mine: list,
      review: list,
      unclaimed: list,
      overdue: list,
      week: {
        days: Array.from({ length: 7 }, (_, i) => ({
          day: new Date(NOW.getTime() - (6 - i) * 24 * HOUR),
          received: 100 * i,
          medianFirstResponseMs: i * HOUR,
        })),
        received: 2100,
        medianFirstResponseMs: 3 * HOUR,
        p90FirstResponseMs: 20 * HOUR,
      },
    };
    for (const locale of ['en', 'ja'] as const) {
      const view = buildHomeView(
        locale,
        [{ name: 'Support', address: 'support@example.com', channelId: 'C0SUPPORT' }],
        data,
        'F0CHART',
      );
      expect(checkView(view)).toEqual([]);
      expect(JSON.stringify(view)).not.toContain('<!channel>');
    }
  });

  it('draws the chart as a valid PNG', () => {
    const png = drawWeekChart(
      Array.from({ length: 7 }, (_, i) => ({
        day: NOW,
        received: i * 3,
        medianFirstResponseMs: i % 2 ? null : i * HOUR,
      })),
    );
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // Every chunk's CRC holds, and the pixels inflate to height × (1 + width × 3) bytes.
    let at = 8;
    let idat = Buffer.alloc(0);
    let size = { width: 0, height: 0 };
    while (at < png.length) {
      const length = png.readUInt32BE(at);
      const type = png.subarray(at + 4, at + 8).toString('ascii');
      const data = png.subarray(at + 8, at + 8 + length);
      expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
      if (type === 'IHDR') size = { width: data.readUInt32BE(0), height: data.readUInt32BE(4) };
      if (type === 'IDAT') idat = Buffer.concat([idat, data]);
      at += 12 + length;
    }
    expect(size).toEqual({ width: 700, height: 260 });
    expect(inflateSync(idat).length).toBe(260 * (1 + 700 * 3));
  });
});
