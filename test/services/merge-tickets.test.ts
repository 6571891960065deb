/**
 * Merging tickets and splitting a mail out, on both databases, with mail received through
 * the real ingest: what moves and what stays, later mail following the merge, the undo
 * within a day (and its refusal after one, by an injected clock), who may, two people at
 * once, and new ticket numbers.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sqlRunnerOf } from '../../src/db/client.js';
import { createLogger } from '../../src/logging/logger.js';
import { openReply } from '../../src/services/replies/open-reply.js';
import { commitMailsScript, type PlannedMail } from '../../src/services/ingest/commit-script.js';
import { ingestStoredMail } from '../../src/services/ingest/ingest-stored-mail.js';
import { storeRawMail } from '../../src/services/ingest/store-raw-mail.js';
import { changeTicket, type TicketActionDeps } from '../../src/services/tickets/change-ticket.js';
import { mergeTickets, openMerge, undoMerge } from '../../src/services/tickets/merge-tickets.js';
import { answerSearch } from '../../src/services/search/answer-search.js';
import { answerStats } from '../../src/services/reports/team-stats.js';
import { recordThreadMessage } from '../../src/services/tickets/record-thread-message.js';
import { splitMail } from '../../src/services/tickets/split-mail.js';
import { useScratchDatabase, type ScratchWorld } from '../support/scratch-sqlite.js';
import { describeWithPostgres } from '../support/services.js';

describe('merge and split (SQLite)', () => mergeSuite(useScratchDatabase('sqlite')));
describeWithPostgres('merge and split (PostgreSQL)', (adminUrl) =>
  mergeSuite(useScratchDatabase('postgresql', adminUrl)),
);

const AGENT = 'U0AGENT1';
const COLLEAGUE = 'U0AGENT2';
const OUTSIDER = 'U0OUTSIDE';
const HOUR = 60 * 60_000;

function mergeSuite(world: ScratchWorld) {
  let mailboxId: number;
  let clock: Date;
  let sent = 0;
  /** Who is in which channel: the colleague is not in sales. */
  const members: Record<string, string[]> = { C0SUPPORT: [AGENT, COLLEAGUE], C0SALES: [AGENT] };
  const silent = createLogger('silent');

  const deps = (): TicketActionDeps => ({
    db: world.db,
    logger: silent,
    members: {
      isMember: async (channel, user) => members[channel]?.includes(user) ?? false,
      joined: () => {},
      left: () => {},
    },
    userLocales: { localeOf: async () => 'en' },
    wakePoster: () => {},
    now: () => clock,
  });
  const ingestDeps = () => ({
    db: world.db,
    parser: world.pool,
    logger: silent,
    ownAddresses: ['support@example.com'],
  });

  beforeEach(async () => {
    clock = new Date('2026-12-01T09:00:00Z');
    const mailbox = await world.db.mailbox.create({
      data: {
        key: `box-${Date.now()}-${Math.random()}`,
        address: 'support@example.com',
        name: 'S',
        channelId: 'C0SUPPORT',
      },
    });
    mailboxId = mailbox.id;
  });

  /** A mail delivered and ingested; its Message-ID and the ticket it went into. */
  async function receive(
    subject: string,
    { from = 'Taro <taro@example.jp>', inReplyTo }: { from?: string; inReplyTo?: string } = {},
  ) {
    sent += 1;
    const messageId = `m${sent}.${mailboxId}.${Math.random().toString(36).slice(2)}@example.jp`;
    const raw = `From: ${from}\r\nTo: support@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${messageId}>\r\n${
      inReplyTo ? `In-Reply-To: <${inReplyTo}>\r\n` : ''
    }Date: Tue, 1 Dec 2026 0${sent % 10}:00:00 +0000\r\n\r\nAbout ${subject}.\r\n`;
    const stored = await storeRawMail(world.db, { mailboxId, raw: Buffer.from(raw) });
    if (!stored.stored) throw new Error('duplicate');
    const outcome = await ingestStoredMail(ingestDeps(), stored.messageRowId);
    if (outcome.kind === 'already_done') throw new Error('not ingested');
    return { messageId, messageRowId: stored.messageRowId, ticketId: outcome.ticketId };
  }

  /** The ticket as the poster leaves it once its message is in Slack. */
  async function posted(ticketId: number, channelId = 'C0SUPPORT') {
    return world.db.ticket.update({
      where: { id: ticketId },
      data: { slackChannelId: channelId, slackTs: `1700000000.${String(ticketId).padStart(6, '0')}` },
    });
  }

  const ticket = (id: number) => world.db.ticket.findUniqueOrThrow({ where: { id } });
  const mailsOf = async (ticketId: number) =>
    (await world.db.message.findMany({ where: { ticketId }, orderBy: { id: 'asc' }, select: { id: true } })).map(
      (row) => row.id,
    );
  const postsOf = async (ticketId: number) =>
    (await world.db.slackPost.findMany({ where: { ticketId }, orderBy: { id: 'asc' } })).map((post) => post.kind);

  it('moves mails, comments and drafts to the target; a later reply follows them; undo within a day moves back exactly those', async () => {
    const first = await receive('Order 1001');
    const second = await receive('Order 1001 again');
    const target = await posted(first.ticketId);
    const source = await posted(second.ticketId);
    expect(target.customerId).toBe(source.customerId);
    await recordThreadMessage(deps(), {
      channel: 'C0SUPPORT',
      user: COLLEAGUE,
      text: 'same customer as #1',
      ts: '1700000100.000001',
      thread_ts: source.slackTs!,
    });
    const draft = await world.db.draft.create({
      data: { ticketId: source.id, authorId: AGENT, subject: 'Re: Order 1001 again', body: 'Thanks' },
    });

    // The modal offers the customer's other tickets.
    const opening = await openMerge(deps(), { actorId: AGENT, ticketId: source.id });
    expect(opening.kind === 'choose' && opening.candidates.map((c) => c.number)).toEqual([target.number]);

    const postsBefore = { source: (await postsOf(source.id)).length, target: (await postsOf(target.id)).length };
    clock = new Date(clock.getTime() + HOUR);
    expect(await mergeTickets(deps(), { actorId: AGENT, sourceId: source.id, targetNumber: target.number })).toEqual({
      kind: 'merged',
      targetNumber: target.number,
      mails: 1,
    });
    const merged = await ticket(source.id);
    expect(merged).toMatchObject({ mergedIntoId: target.id, mergedAt: clock, status: 'done' });
    expect(await mailsOf(source.id)).toEqual([]);
    expect(await mailsOf(target.id)).toEqual([first.messageRowId, second.messageRowId]);
    expect(await world.db.comment.count({ where: { ticketId: target.id } })).toBe(1);
    expect((await world.db.draft.findUniqueOrThrow({ where: { id: draft.id } })).ticketId).toBe(target.id);
    // Audited on both, and each thread gets its trace and an updated ticket message.
    const record = await world.db.auditLog.findFirstOrThrow({
      where: { ticketId: source.id, action: 'ticket.merged' },
    });
    expect(JSON.parse(record.detail)).toMatchObject({ messageIds: [second.messageRowId], mails: 1 });
    const note = await world.db.auditLog.findFirstOrThrow({
      where: { ticketId: target.id, action: 'ticket.merged_in' },
    });
    expect(JSON.parse(note.detail)).toMatchObject({ sourceNumber: source.number, mails: 1, mergeAuditId: record.id });
    expect((await postsOf(source.id)).slice(postsBefore.source)).toEqual(['ticket_update', 'trace']);
    expect((await postsOf(target.id)).slice(postsBefore.target)).toEqual(['ticket_update', 'trace']);

    // The customer answers the mail of the merged ticket: it lands in the target, whose
    // message (showing its mail count) is updated.
    const reply = await receive('Re: Order 1001 again', { inReplyTo: second.messageId });
    expect(reply.ticketId).toBe(target.id);
    expect(
      await world.db.slackPost.count({
        where: { dedupeKey: `update:message:${reply.messageRowId}`, ticketId: target.id },
      }),
    ).toBe(1);
    // A comment in the old thread goes where the ticket went.
    await recordThreadMessage(deps(), {
      channel: 'C0SUPPORT',
      user: COLLEAGUE,
      text: 'written in the old thread',
      ts: '1700000200.000001',
      thread_ts: source.slackTs!,
    });
    expect(await world.db.comment.count({ where: { ticketId: target.id } })).toBe(2);

    // The merged ticket takes no clicks, and says where to go.
    const refusedAs = { kind: 'refused', refusal: { kind: 'merged', targetNumber: target.number } };
    expect(await changeTicket(deps(), { actorId: AGENT, ticketId: source.id, change: { kind: 'claim' } })).toEqual(
      refusedAs,
    );
    expect(
      await openReply({ ...deps(), mailboxes: [] }, { actorId: AGENT, ticketId: source.id, deliberate: true }),
    ).toEqual(refusedAs);
    expect(await openMerge(deps(), { actorId: AGENT, ticketId: source.id })).toEqual(refusedAs);
    expect(await mergeTickets(deps(), { actorId: AGENT, sourceId: source.id, targetNumber: target.number })).toEqual(
      refusedAs,
    );

    // Undone 23 hours later: the source's own mail, comment and draft go back; the reply
    // and the comment that came since stay with the target.
    clock = new Date(clock.getTime() + 23 * HOUR);
    expect(await undoMerge(deps(), { actorId: COLLEAGUE, sourceId: source.id, mergeAuditId: record.id })).toEqual({
      kind: 'undone',
      sourceNumber: source.number,
      mails: 1,
    });
    expect(await ticket(source.id)).toMatchObject({
      mergedIntoId: null,
      mergedAt: null,
      status: 'open',
      closedAt: null,
    });
    expect(await mailsOf(source.id)).toEqual([second.messageRowId]);
    expect(await mailsOf(target.id)).toEqual([first.messageRowId, reply.messageRowId]);
    expect(await world.db.comment.count({ where: { ticketId: source.id } })).toBe(1);
    expect((await world.db.draft.findUniqueOrThrow({ where: { id: draft.id } })).ticketId).toBe(source.id);
    expect(
      await world.db.auditLog.count({
        where: { action: 'ticket.merge_undone', ticketId: { in: [source.id, target.id] } },
      }),
    ).toBe(2);
    // The same button again: nothing left to undo.
    expect(await undoMerge(deps(), { actorId: AGENT, sourceId: source.id, mergeAuditId: record.id })).toEqual({
      kind: 'refused',
      refusal: { kind: 'merge_not_current' },
    });
  });

  it('finds and counts a merged ticket as the one it was merged into, and as itself again once undone', async () => {
    const first = await receive('Parcel 2002');
    const second = await receive('Parcel 2002 once more');
    const target = await posted(first.ticketId);
    const source = await posted(second.ticketId);
    const searchDeps = { ...deps(), permalink: async () => null };
    const found = async () => {
      const answer = await answerSearch(searchDeps, { userId: AGENT, text: 'Parcel' });
      return answer.kind === 'results' ? answer.items.map((item) => item.number).sort() : [];
    };
    const closedThisWeek = async () => {
      const answer = await answerStats({ ...searchDeps, now: () => clock }, { userId: AGENT, text: 'week' });
      return answer.kind === 'stats' ? answer.stats.closed : null;
    };
    expect(await found()).toEqual([target.number, source.number].sort());
    expect(await closedThisWeek()).toBe(0);
    clock = new Date(clock.getTime() + HOUR);
    await mergeTickets(deps(), { actorId: AGENT, sourceId: source.id, targetNumber: target.number });
    // Found once, as the ticket its mails are in; the merge closed the source, but nobody closed a case.
    expect(await found()).toEqual([target.number]);
    expect(await closedThisWeek()).toBe(0);
    const record = await world.db.auditLog.findFirstOrThrow({
      where: { action: 'ticket.merged', ticketId: source.id },
    });
    await undoMerge(deps(), { actorId: AGENT, sourceId: source.id, mergeAuditId: record.id });
    expect(await found()).toEqual([target.number, source.number].sort());
  });

  it('refuses the undo after a day, and nothing moves', async () => {
    const target = await posted((await receive('First')).ticketId);
    const source = await posted((await receive('Second')).ticketId);
    await mergeTickets(deps(), { actorId: AGENT, sourceId: source.id, targetNumber: target.number });
    const record = await world.db.auditLog.findFirstOrThrow({
      where: { ticketId: source.id, action: 'ticket.merged' },
    });
    const mergedAt = clock;
    clock = new Date(clock.getTime() + 24 * HOUR + 60_000);
    expect(await undoMerge(deps(), { actorId: AGENT, sourceId: source.id, mergeAuditId: record.id })).toEqual({
      kind: 'refused',
      refusal: { kind: 'merge_undo_expired', mergedAt },
    });
    expect(await ticket(source.id)).toMatchObject({ mergedIntoId: target.id });
    expect(await mailsOf(source.id)).toEqual([]);
  });

  it('lets only members of both channels merge or undo', async () => {
    const target = await posted((await receive('Sales question')).ticketId, 'C0SALES');
    const source = await posted((await receive('Support question')).ticketId);
    expect(await mergeTickets(deps(), { actorId: OUTSIDER, sourceId: source.id, targetNumber: target.number })).toEqual(
      {
        kind: 'refused',
        refusal: { kind: 'not_member', channelId: 'C0SUPPORT' },
      },
    );
    expect(
      await mergeTickets(deps(), { actorId: COLLEAGUE, sourceId: source.id, targetNumber: target.number }),
    ).toEqual({
      kind: 'refused',
      refusal: { kind: 'not_member', channelId: 'C0SALES' },
    });
    expect((await ticket(source.id)).mergedIntoId).toBeNull();
    await mergeTickets(deps(), { actorId: AGENT, sourceId: source.id, targetNumber: target.number });
    const record = await world.db.auditLog.findFirstOrThrow({
      where: { ticketId: source.id, action: 'ticket.merged' },
    });
    expect(await undoMerge(deps(), { actorId: COLLEAGUE, sourceId: source.id, mergeAuditId: record.id })).toEqual({
      kind: 'refused',
      refusal: { kind: 'not_member', channelId: 'C0SALES' },
    });
    expect((await ticket(source.id)).mergedIntoId).toBe(target.id);
  });

  it('refuses a number of no ticket, the ticket itself, and a ticket merged elsewhere; the undo waits for a later merge', async () => {
    const a = await posted((await receive('A')).ticketId);
    const b = await posted((await receive('B')).ticketId);
    const c = await posted((await receive('C')).ticketId);
    const merge = (sourceId: number, targetNumber: number | null) =>
      mergeTickets(deps(), { actorId: AGENT, sourceId, targetNumber });
    expect(await merge(b.id, null)).toEqual({ kind: 'refused', refusal: { kind: 'merge_target_missing' } });
    expect(await merge(b.id, 999_999)).toEqual({
      kind: 'refused',
      refusal: { kind: 'merge_target_unknown', number: 999_999 },
    });
    expect(await merge(b.id, b.number)).toEqual({ kind: 'refused', refusal: { kind: 'merge_same_ticket' } });
    await merge(a.id, b.number);
    expect(await merge(c.id, a.number)).toEqual({
      kind: 'refused',
      refusal: { kind: 'merge_target_merged', number: a.number, intoNumber: b.number },
    });
    // b goes on into c: a's merge cannot be undone before b's is.
    await merge(b.id, c.number);
    expect(await mailsOf(c.id)).toHaveLength(3);
    const first = await world.db.auditLog.findFirstOrThrow({ where: { ticketId: a.id, action: 'ticket.merged' } });
    expect(await undoMerge(deps(), { actorId: AGENT, sourceId: a.id, mergeAuditId: first.id })).toEqual({
      kind: 'refused',
      refusal: { kind: 'merge_undo_blocked', targetNumber: b.number, intoNumber: c.number },
    });
  });

  it('keeps a closed source closed, and closes again a target the merge opened', async () => {
    const target = await posted((await receive('Old, answered')).ticketId);
    const source = await posted((await receive('New')).ticketId);
    await world.db.ticket.update({ where: { id: target.id }, data: { status: 'done', closedAt: clock } });
    // The source's mail may wait for an answer: the closed target opens for it.
    await mergeTickets(deps(), { actorId: AGENT, sourceId: source.id, targetNumber: target.number });
    expect(await ticket(target.id)).toMatchObject({ status: 'open', closedAt: null });
    const record = await world.db.auditLog.findFirstOrThrow({
      where: { ticketId: source.id, action: 'ticket.merged' },
    });
    await undoMerge(deps(), { actorId: AGENT, sourceId: source.id, mergeAuditId: record.id });
    expect(await ticket(target.id)).toMatchObject({ status: 'done', closedAt: clock });
    expect((await ticket(source.id)).status).toBe('open');

    // A closed source is merged and comes back closed.
    const closedAt = new Date(clock.getTime() - HOUR);
    await world.db.ticket.update({ where: { id: source.id }, data: { status: 'done', closedAt } });
    await mergeTickets(deps(), { actorId: AGENT, sourceId: source.id, targetNumber: target.number });
    expect(await ticket(target.id)).toMatchObject({ status: 'done' });
    const again = await world.db.auditLog.findFirstOrThrow({
      where: { ticketId: source.id, action: 'ticket.merged' },
      orderBy: { id: 'desc' },
    });
    await undoMerge(deps(), { actorId: AGENT, sourceId: source.id, mergeAuditId: again.id });
    expect(await ticket(source.id)).toMatchObject({ status: 'done', closedAt });
  });

  it('merges a ticket once when two people merge it at the same moment', async () => {
    const a = await posted((await receive('One')).ticketId);
    const b = await posted((await receive('Two')).ticketId);
    const source = await posted((await receive('Three')).ticketId);
    const answers = await Promise.all([
      mergeTickets(deps(), { actorId: AGENT, sourceId: source.id, targetNumber: a.number }),
      mergeTickets(deps(), { actorId: COLLEAGUE, sourceId: source.id, targetNumber: b.number }),
    ]);
    const won = answers.filter((answer) => answer.kind === 'merged');
    expect(won).toHaveLength(1);
    const into = (await ticket(source.id)).mergedIntoId!;
    expect([a.id, b.id]).toContain(into);
    expect(await world.db.auditLog.count({ where: { ticketId: source.id, action: 'ticket.merged' } })).toBe(1);
    expect(await mailsOf(into)).toHaveLength(2);
  });

  it('sends a mail threaded to the source just before the merge to the target', async () => {
    const target = await posted((await receive('Target')).ticketId);
    const first = await receive('Source');
    const source = await posted(first.ticketId);
    // Threading found the source; the merge commits before the mail does.
    const stored = await storeRawMail(world.db, {
      mailboxId,
      raw: Buffer.from(`From: taro@example.jp\r\nMessage-ID: <late.${mailboxId}@example.jp>\r\n\r\nlate\r\n`),
    });
    if (!stored.stored) throw new Error('duplicate');
    await mergeTickets(deps(), { actorId: AGENT, sourceId: source.id, targetNumber: target.number });
    const planned: PlannedMail = {
      messageRowId: stored.messageRowId,
      mailboxId,
      channelId: 'C0SUPPORT',
      receivedAt: clock,
      fields: {
        parseState: 'parsed',
        parseError: null,
        messageId: `late.${mailboxId}@example.jp`,
        inReplyTo: first.messageId,
        references: '[]',
        fromAddress: 'taro@example.jp',
        fromName: null,
        replyTo: null,
        toAddresses: '[]',
        ccAddresses: '[]',
        subject: 'Re: Source',
        text: 'late',
        html: null,
        flags: '{}',
        sentAt: null,
      },
      attachments: [],
      flags: {
        autoReply: false,
        bounce: false,
        list: false,
        fromSelf: false,
        freeMail: false,
        roleAddress: false,
        unreplyable: false,
        anonymous: false,
        fromGuessed: false,
      },
      announce: true,
      hasFiles: false,
      needsTextCopy: false,
      thread: { kind: 'ticket', ticketId: source.id },
      sender: 'taro@example.jp',
      routing: { tags: [], matched: [] },
      customer: null,
    };
    const [outcome] = await sqlRunnerOf(world.db).transaction(() => commitMailsScript([planned], clock));
    expect(outcome).toEqual({ kind: 'follow_up', ticketId: target.id });
    expect(await mailsOf(source.id)).toEqual([]);
  });

  it('splits a follow-up out into a new numbered ticket of its sender, posted like a new ticket', async () => {
    const first = await receive('Printer');
    const source = await posted(first.ticketId);
    const aside = await receive('Re: Printer', { from: 'Hanako <hanako@example.jp>', inReplyTo: first.messageId });
    const later = await receive('Re: Printer', { inReplyTo: first.messageId });
    expect([aside.ticketId, later.ticketId]).toEqual([source.id, source.id]);
    const number = (await world.db.mailbox.findUniqueOrThrow({ where: { id: mailboxId } })).nextTicketNumber;

    const answer = await splitMail(deps(), { actorId: COLLEAGUE, messageRowId: aside.messageRowId });
    expect(answer).toMatchObject({ kind: 'split', number });
    if (answer.kind !== 'split') return;
    const made = await world.db.ticket.findUniqueOrThrow({
      where: { id: answer.ticketId },
      include: { customer: true },
    });
    expect(made).toMatchObject({ number, status: 'open', slackChannelId: 'C0SUPPORT', subject: 'Re: Printer' });
    expect(made.customer?.address).toBe('hanako@example.jp');
    expect(await mailsOf(made.id)).toEqual([aside.messageRowId]);
    expect(await mailsOf(source.id)).toEqual([first.messageRowId, later.messageRowId]);
    // Posted through the queue like a new ticket, with a trace in each thread.
    expect(await postsOf(made.id)).toEqual(['ticket', 'trace']);
    expect((await postsOf(source.id)).slice(-2)).toEqual(['ticket_update', 'trace']);
    expect(await world.db.auditLog.count({ where: { ticketId: made.id, action: 'ticket.split_from' } })).toBe(1);
    expect(await world.db.auditLog.count({ where: { ticketId: source.id, action: 'ticket.split' } })).toBe(1);

    // The ticket's first mail is the ticket; outsiders may not.
    expect(await splitMail(deps(), { actorId: AGENT, messageRowId: first.messageRowId })).toEqual({
      kind: 'refused',
      refusal: { kind: 'split_first_mail' },
    });
    expect(await splitMail(deps(), { actorId: OUTSIDER, messageRowId: later.messageRowId })).toEqual({
      kind: 'refused',
      refusal: { kind: 'not_member', channelId: 'C0SUPPORT' },
    });
  });

  it('gives two splits at the same moment two numbers', async () => {
    const first = await receive('Many questions');
    await posted(first.ticketId);
    const one = await receive('Re: Many questions', { inReplyTo: first.messageId });
    const two = await receive('Re: Many questions', { inReplyTo: first.messageId });
    const answers = await Promise.all(
      [one, two].map((mail) => splitMail(deps(), { actorId: AGENT, messageRowId: mail.messageRowId })),
    );
    const numbers = answers.map((answer) => (answer.kind === 'split' ? answer.number : null));
    expect(numbers.every((n) => n !== null)).toBe(true);
    expect(new Set(numbers).size).toBe(2);
  });
}
