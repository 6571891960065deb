/**
 * What an admin sees and does about mail Mailroom gave up on (`npm run retry-mail`): mails
 * the server would not give for a day (MailGap rows given up on) and stored mails that could
 * not be made tickets (Message rows `given_up`). Putting one back in line resets its count;
 * the running bot takes it up at its next sync pass (the sweep, at most a minute away).
 */
import type { Db } from '../../db/client.js';

export interface GivenUpMail {
  stage: 'fetch' | 'ingest';
  mailboxKey: string;
  /** `uid:<UID>` (fetch) or `message:<row id>` (ingest): what the command takes to name it. */
  ref: string;
  reason: string;
  attempts: number;
  since: Date;
}

export interface RetryFilter {
  mailboxId?: number;
  /** Only these, as `uid:<UID>` / `message:<id>` (or a bare UID); all when empty. */
  refs?: readonly string[];
}

const UID_REF = /^(uid:)?(\d+)$/;
const MESSAGE_REF = /^message:(\d+)$/;

/** True when every ref is one the command understands. */
export function refsReadable(refs: readonly string[]): boolean {
  return refs.every((ref) => UID_REF.test(ref) || MESSAGE_REF.test(ref));
}

/** The given-up gaps and messages the filter names (a kind none of the refs names: none of it). */
function givenUpWhere(filter: RetryFilter) {
  const refs = filter.refs ?? [];
  const all = refs.length === 0;
  const uids = refs.flatMap((ref) => UID_REF.exec(ref)?.[2] ?? []).map(BigInt);
  const messageIds = refs.flatMap((ref) => MESSAGE_REF.exec(ref)?.[1] ?? []).map(Number);
  const mailbox = filter.mailboxId === undefined ? {} : { mailboxId: filter.mailboxId };
  return {
    gaps: { ...mailbox, gaveUpAt: { not: null }, ...(all ? {} : { uid: { in: uids } }) },
    messages: { ...mailbox, parseState: 'given_up', ...(all ? {} : { id: { in: messageIds } }) },
  };
}

export async function listGivenUp(db: Db, filter: RetryFilter = {}): Promise<GivenUpMail[]> {
  const where = givenUpWhere(filter);
  const [gaps, messages] = await Promise.all([
    db.mailGap.findMany({ where: where.gaps, include: { mailbox: { select: { key: true } } }, orderBy: { id: 'asc' } }),
    db.message.findMany({
      where: where.messages,
      select: {
        id: true,
        parseError: true,
        ingestAttempts: true,
        receivedAt: true,
        mailbox: { select: { key: true } },
      },
      orderBy: { id: 'asc' },
    }),
  ]);
  return [
    ...gaps.map((gap) => ({
      stage: 'fetch' as const,
      mailboxKey: gap.mailbox.key,
      ref: `uid:${gap.uid}`,
      reason: gap.reason,
      attempts: gap.attempts,
      since: gap.gaveUpAt!,
    })),
    ...messages.map((message) => ({
      stage: 'ingest' as const,
      mailboxKey: message.mailbox.key,
      ref: `message:${message.id}`,
      reason: message.parseError ?? '',
      attempts: message.ingestAttempts,
      since: message.receivedAt,
    })),
  ];
}

/** Puts the given-up mails the filter names back in line; returns how many. */
export async function retryGivenUp(db: Db, filter: RetryFilter = {}, now = new Date()): Promise<number> {
  const where = givenUpWhere(filter);
  const [gaps, messages] = await db.$transaction([
    db.mailGap.updateMany({ where: where.gaps, data: { gaveUpAt: null, attempts: 0, nextTryAt: now } }),
    db.message.updateMany({
      where: where.messages,
      data: { parseState: 'stored', ingestAttempts: 0, ingestRetryAt: null },
    }),
  ]);
  return gaps.count + messages.count;
}
