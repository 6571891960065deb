/**
 * Reminder rules with a fake clock on a real SQLite file: each fires once per condition,
 * counts and waits for business hours, respects snoozes, nudges reviewers, escalates
 * overdue tickets to the assignee and reviewers, and sends one digest a day.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ZBusinessHours, ZReminders, type TMailboxConfig } from '../../src/config/config-schema.js';
import { businessMinutesBetween, zonedInstant } from '../../src/domain/business-time.js';
import { createLogger } from '../../src/logging/logger.js';
import { renderPost } from '../../src/slack/poster/render-post.js';
import { runReminders } from '../../src/services/reminders/run-reminders.js';
import { useScratchSqlite } from '../support/scratch-sqlite.js';

const world = useScratchSqlite();
const tokyo = (day: number, hour: number, minute = 0) => zonedInstant(2026, 11, day, hour, minute, 'Asia/Tokyo');
// 2026-11-23 is a Monday; 27 a Friday; 28 and 29 the weekend. (The 23rd is a public
// holiday in Japan: these counts are about nights and weekends, so holidays are off here;
// test/domain/days-off.test.ts counts them.)
const hours = ZBusinessHours.parse({
  timeZone: 'Asia/Tokyo',
  days: [1, 2, 3, 4, 5],
  start: '09:00',
  end: '18:00',
  holidays: 'none',
});

let config: TMailboxConfig;
let mailboxId: number;
let number = 0;

beforeEach(async () => {
  await world.db.slackPost.deleteMany();
  await world.db.reminder.deleteMany();
  await world.db.review.deleteMany();
  await world.db.draft.deleteMany();
  await world.db.ticket.deleteMany();
  await world.db.mailbox.deleteMany();
  const key = `box${Date.now()}`;
  const mailbox = await world.db.mailbox.create({
    data: { key, address: 'support@example.com', name: 'サポート', channelId: 'C0SUPPORT', locale: 'ja' },
  });
  mailboxId = mailbox.id;
  config = {
    key,
    address: 'support@example.com',
    name: 'サポート',
    channelId: 'C0SUPPORT',
    locale: 'ja',
    reviewers: ['U0REVIEWR', 'S0LEADS'],
    businessHours: hours,
    // The digest has its own test.
    reminders: ZReminders.parse({ digestAt: 'off' }),
  } as TMailboxConfig;
});

const deps = () => ({ db: world.db, mailboxes: [config], logger: createLogger('silent'), wakePoster: () => {} });

async function ticket(fields: {
  urgency?: string;
  createdAt: Date;
  assigneeId?: string;
  snoozedUntil?: Date;
  snoozedBy?: string;
  status?: string;
  firstResponseAt?: Date;
}) {
  number += 1;
  return world.db.ticket.create({
    data: {
      mailboxId,
      number,
      subject: `件名 ${number}`,
      slackChannelId: 'C0SUPPORT',
      slackTs: `1700000000.${String(number).padStart(6, '0')}`,
      ...fields,
    },
  });
}

const reminders = async (kind?: string) =>
  world.db.slackPost.findMany({
    where: { kind: 'reminder', ...(kind ? { payload: { contains: `"kind":"${kind}"` } } : {}) },
    orderBy: { id: 'asc' },
  });

describe('business time', () => {
  it('counts only business minutes, across nights and weekends', () => {
    expect(businessMinutesBetween(tokyo(23, 10), tokyo(23, 11), hours)).toBe(60);
    // Friday 17:50 to Monday 09:10: ten minutes on Friday, ten on Monday.
    expect(businessMinutesBetween(tokyo(27, 17, 50), tokyo(30, 9, 10), hours)).toBe(20);
    expect(businessMinutesBetween(tokyo(28, 10), tokyo(29, 15), hours)).toBe(0);
    // Asked only whether a limit is reached, it stops counting there (a day at most past it).
    expect(businessMinutesBetween(tokyo(23, 10), tokyo(27, 17), hours)).toBe(480 + 3 * 540 + 480);
    expect(businessMinutesBetween(tokyo(23, 10), tokyo(27, 17), hours, 60)).toBe(480);
    expect(businessMinutesBetween(tokyo(23, 10), tokyo(23, 10, 30), hours, 60)).toBe(30);
  });
});

describe('reminders', () => {
  it('reminds of an unclaimed ticket once, after its urgency’s limit in business time', async () => {
    const critical = await ticket({ urgency: 'critical', createdAt: tokyo(24, 10) });
    await ticket({ urgency: 'normal', createdAt: tokyo(24, 10) });
    expect(await runReminders(deps(), tokyo(24, 10, 14))).toBe(0);
    expect(await runReminders(deps(), tokyo(24, 10, 16))).toBe(1);
    // Every following minute: nothing new for the same condition.
    expect(await runReminders(deps(), tokyo(24, 10, 17))).toBe(0);
    expect(await runReminders(deps(), tokyo(24, 10, 45))).toBe(0);
    const [post] = await reminders('unclaimed');
    expect(post!.ticketId).toBe(critical.id);
    const rendered = await renderPost(world.db, post!);
    expect(rendered).toMatchObject({ kind: 'ready', threadTs: critical.slackTs, broadcast: true });
    expect(rendered.kind === 'ready' && rendered.message.text).toContain(
      '大至急のチケットは 16 分（営業時間）誰も担当していません',
    );
    // The normal one after 4 business hours; by then the critical one is past its response target too.
    expect(await runReminders(deps(), tokyo(24, 14, 0))).toBe(2);
    expect((await reminders('unclaimed')).length).toBe(2);
    expect((await reminders('overdue')).map((post) => post.ticketId)).toEqual([critical.id]);
  });

  it('waits for business hours: a Friday-evening mail is not reminded of on the weekend', async () => {
    await ticket({ urgency: 'urgent', createdAt: tokyo(27, 17, 30) });
    expect(await runReminders(deps(), tokyo(28, 12))).toBe(0);
    expect(await runReminders(deps(), tokyo(30, 9, 20))).toBe(0);
    // 30 minutes on Friday + 30 on Monday = the 60 of 至急.
    expect(await runReminders(deps(), tokyo(30, 9, 30))).toBe(1);
  });

  it('keeps quiet about a snoozed ticket, then reminds the person who snoozed it, once', async () => {
    const snoozed = await ticket({
      urgency: 'critical',
      createdAt: tokyo(24, 10),
      snoozedUntil: tokyo(24, 13),
      snoozedBy: 'U0AGENTJA',
    });
    expect(await runReminders(deps(), tokyo(24, 11))).toBe(0);
    expect(await runReminders(deps(), tokyo(24, 13, 1))).toBeGreaterThanOrEqual(1);
    const [snooze] = await reminders('snooze');
    const rendered = await renderPost(world.db, snooze!);
    expect(rendered.kind === 'ready' && rendered.message.text).toContain('<@U0AGENTJA>');
    expect((await world.db.ticket.findUniqueOrThrow({ where: { id: snoozed.id } })).snoozedUntil).toBeNull();
    const before = (await reminders()).length;
    await runReminders(deps(), tokyo(24, 13, 2));
    expect((await reminders('snooze')).length).toBe(1);
    expect((await reminders()).length).toBe(before);
  });

  it('names a waiting forward or new mail as one when nudging the reviewers', async () => {
    for (const kind of ['forward', 'new']) {
      const waiting = await ticket({ urgency: 'normal', createdAt: tokyo(24, 9) });
      await world.db.draft.create({
        data: {
          ticketId: waiting.id,
          authorId: 'U0AGENTEN',
          kind,
          subject: 'x',
          body: 'draft',
          state: 'in_review',
          submittedAt: tokyo(24, 10),
        },
      });
    }
    await runReminders(deps(), tokyo(24, 11, 0));
    const texts = await Promise.all(
      (await reminders('review_wait')).map(async (post) => {
        const rendered = await renderPost(world.db, post);
        return rendered.kind === 'ready' ? rendered.message.text : '';
      }),
    );
    expect(texts.sort()).toEqual([
      expect.stringContaining('<@U0AGENTEN> さんの新規メールが 1 時間 0 分 承認を待っています'),
      expect.stringContaining('<@U0AGENTEN> さんの転送が 1 時間 0 分 承認を待っています'),
    ]);
  });

  it('nudges the reviewers about a draft waiting too long, and escalates a ticket past its response target', async () => {
    const claimed = await ticket({ urgency: 'urgent', createdAt: tokyo(24, 9), assigneeId: 'U0AGENTEN' });
    await world.db.draft.create({
      data: {
        ticketId: claimed.id,
        authorId: 'U0AGENTEN',
        subject: 'Re: x',
        body: 'draft',
        state: 'in_review',
        submittedAt: tokyo(24, 10),
      },
    });
    expect(await runReminders(deps(), tokyo(24, 10, 59))).toBe(0);
    expect(await runReminders(deps(), tokyo(24, 11, 0))).toBe(1);
    const review = await renderPost(world.db, (await reminders('review_wait'))[0]!);
    expect(review.kind === 'ready' && review.message.text).toContain(
      '<@U0REVIEWR> <!subteam^S0LEADS> <@U0AGENTEN> さんの返信が 1 時間 0 分 承認を待っています',
    );
    // 至急: a first reply within 4 business hours.
    expect(await runReminders(deps(), tokyo(24, 13, 0))).toBe(1);
    const overdue = await renderPost(world.db, (await reminders('overdue'))[0]!);
    expect(overdue.kind === 'ready' && overdue.message.text).toMatch(
      /^:rotating_light: <@U0AGENTEN> <@U0REVIEWR> <!subteam\^S0LEADS> この至急のチケットに 4 時間 0 分 返信がありません/,
    );
    // A ticket already answered is not overdue.
    await ticket({
      urgency: 'urgent',
      createdAt: tokyo(24, 9),
      assigneeId: 'U0AGENTEN',
      firstResponseAt: tokyo(24, 9, 30),
    });
    expect(await runReminders(deps(), tokyo(24, 13, 5))).toBe(0);
  });

  it('sends one digest per business day at its local time', async () => {
    config.reminders = ZReminders.parse({ digestAt: '09:00' });
    await ticket({ urgency: 'urgent', createdAt: tokyo(24, 17) });
    const digests = () => world.db.slackPost.findMany({ where: { kind: 'digest' }, orderBy: { id: 'asc' } });
    const overdueIn = async (index: number) => JSON.parse((await digests())[index]!.payload).overdue;
    await runReminders(deps(), tokyo(25, 8, 59));
    expect(await digests()).toHaveLength(0);
    await runReminders(deps(), tokyo(25, 9, 0));
    await runReminders(deps(), tokyo(25, 9, 1));
    expect(await digests()).toHaveLength(1);
    const rendered = await renderPost(world.db, (await digests())[0]!);
    expect(rendered.kind === 'ready' && rendered.message.text).toContain(
      'サポート の朝のまとめ: 未完了 1 件 · 未担当 1 件',
    );
    // Sixteen hours on the clock but one business hour: not yet past its four-hour target.
    expect(await overdueIn(0)).toBe(0);
    // None on Saturday; the next on Monday.
    await runReminders(deps(), tokyo(28, 9, 0));
    expect(await digests()).toHaveLength(1);
    await runReminders(deps(), tokyo(30, 9, 30));
    expect(await digests()).toHaveLength(2);
    expect(await overdueIn(1)).toBe(1);
  });

  it('sends no digest on a Japanese public holiday or a company closing day', async () => {
    config.reminders = ZReminders.parse({ digestAt: '09:00' });
    config.businessHours = { ...hours, holidays: 'jp', closedDays: ['11-25'] };
    const digests = () => world.db.slackPost.count({ where: { kind: 'digest' } });
    // Monday the 23rd is Labor Thanksgiving Day; the 25th the company's own day off.
    await runReminders(deps(), tokyo(23, 9, 0));
    await runReminders(deps(), tokyo(25, 9, 0));
    expect(await digests()).toBe(0);
    await runReminders(deps(), tokyo(24, 9, 0));
    expect(await digests()).toBe(1);
  });
});
