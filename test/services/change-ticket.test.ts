/**
 * Changing a ticket on both databases: many people claiming the same ticket at the same
 * moment leave exactly one assignee, one audit record and one trace; the others are told
 * who won. Comments and their edits on the same real databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbClient, type Db } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import type { DatabaseProvider } from '../../src/db/schema-source.js';
import { createLogger } from '../../src/logging/logger.js';
import { recordThreadMessage } from '../../src/services/tickets/record-thread-message.js';
import { createProcessedEvents } from '../../src/services/processed-events.js';
import { changeTicket, type TicketActionDeps } from '../../src/services/tickets/change-ticket.js';
import { buildRefusalNotice } from '../../src/slack/views/ticket-notices.js';
import { describeWithPostgres } from '../support/services.js';

function ticketChangesOn(provider: DatabaseProvider, adminUrl?: string) {
  let scratch: ScratchDatabase;
  let db: Db;
  let deps: TicketActionDeps;
  const members = new Set(Array.from({ length: 8 }, (_, i) => `U0AGENT${i}`));
  beforeAll(async () => {
    scratch = await createScratchDatabase(provider, adminUrl);
    await applyMigrations(scratch.target);
    db = createDbClient(scratch.target);
    deps = {
      db,
      logger: createLogger('silent'),
      members: { isMember: async (_channel, user) => members.has(user), joined: () => {}, left: () => {} },
      userLocales: { localeOf: async () => 'en' },
      wakePoster: () => {},
    };
  });
  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  async function postedTicket(number: number) {
    const mailbox = await db.mailbox.upsert({
      where: { key: 'support' },
      create: { key: 'support', address: 'support@example.com', name: 'Support', channelId: 'C0SUPPORT' },
      update: {},
    });
    return db.ticket.create({
      data: {
        mailboxId: mailbox.id,
        number,
        subject: 'race',
        slackChannelId: 'C0SUPPORT',
        slackTs: `1700000000.${String(number).padStart(6, '0')}`,
      },
    });
  }

  it(`${provider}: eight simultaneous claims, one winner; the rest are told who has it`, async () => {
    const ticket = await postedTicket(1);
    // What each clicker is told, as the listener words it: nothing when their claim won.
    const answers = await Promise.all(
      [...members].map(async (actorId) => {
        const answer = await changeTicket(deps, { actorId, ticketId: ticket.id, change: { kind: 'claim' } });
        return answer.kind === 'refused' ? buildRefusalNotice('en', answer.refusal) : null;
      }),
    );
    const after = await db.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
    expect(after.assigneeId).not.toBeNull();
    expect(answers.filter((answer) => answer === null)).toHaveLength(1);
    for (const answer of answers.filter((answer) => answer !== null))
      expect(answer!.text).toContain(`<@${after.assigneeId}> already has this ticket`);
    expect(await db.auditLog.count({ where: { ticketId: ticket.id, action: 'ticket.claimed' } })).toBe(1);
    expect(await db.slackPost.count({ where: { ticketId: ticket.id, kind: 'trace' } })).toBe(1);
    expect(await db.slackPost.count({ where: { ticketId: ticket.id, kind: 'ticket_update' } })).toBe(1);
  });

  it(`${provider}: simultaneous urgency changes each apply in turn, none lost from the audit`, async () => {
    const ticket = await postedTicket(2);
    await Promise.all(
      ['urgent', 'critical'].map((urgency, i) =>
        changeTicket(deps, { actorId: `U0AGENT${i}`, ticketId: ticket.id, change: { kind: 'urgency', urgency } }),
      ),
    );
    const audits = await db.auditLog.findMany({
      where: { ticketId: ticket.id, action: 'ticket.urgency_changed' },
      orderBy: { id: 'asc' },
    });
    const final = (await db.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).urgency;
    // The audit chain reads as what happened: each change starts where the previous ended.
    expect(audits.map((audit) => JSON.parse(audit.detail).from)[0]).toBe('normal');
    expect(JSON.parse(audits.at(-1)!.detail).to).toBe(final);
    expect(audits).toHaveLength(2);
    expect(JSON.parse(audits[1]!.detail).from).toBe(JSON.parse(audits[0]!.detail).to);
  });

  it(`${provider}: records a comment once, however often the event comes, and its edit`, async () => {
    const ticket = await postedTicket(3);
    const event = {
      channel: 'C0SUPPORT',
      user: 'U0AGENT1',
      text: '至急 確認します',
      ts: '1700000100.000001',
      thread_ts: ticket.slackTs!,
    };
    const results = await Promise.all([recordThreadMessage(deps, event), recordThreadMessage(deps, event)]);
    expect(results.sort()).toEqual(['created', 'ignored']);
    await recordThreadMessage(deps, {
      channel: 'C0SUPPORT',
      subtype: 'message_changed',
      message: { ...event, channel: 'C0SUPPORT', text: '至急 確認済み' },
    });
    const comments = await db.comment.findMany({ where: { ticketId: ticket.id } });
    expect(comments.map((comment) => comment.text)).toEqual(['至急 確認済み']);
    expect(comments[0]!.editedAt).not.toBeNull();
  });

  it(`${provider}: an event id is first once`, async () => {
    const events = createProcessedEvents(db);
    const firsts = await Promise.all([events.first('Ev0RACE'), events.first('Ev0RACE'), events.first('Ev0RACE')]);
    expect(firsts.filter(Boolean)).toHaveLength(1);
  });
}

describe('SQLite', () => ticketChangesOn('sqlite'));
describeWithPostgres('PostgreSQL', (adminUrl) => ticketChangesOn('postgresql', adminUrl));
