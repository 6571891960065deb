/**
 * What an admin sees and does about mail Mailroom gave up on (`npm run retry-mail`): mails
 * the server would not give for a day (MailGap rows given up on) and stored mails that could
 * not be made tickets (Message rows `given_up`). Putting one back in line resets its count;
 * the running bot takes it up at its next sync pass (the sweep, at most a minute away).
 */
import type { Db } from '../db/client.js';

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

function refsOf(filter: RetryFilter): { uids: bigint[]; messageIds: number[]; all: boolean } {
  const refs = filter.refs ?? [];
  const uids = refs.filter((ref) => /^(uid:)?\d+$/.test(ref)).map((ref) => BigInt(ref.replace('uid:', '')));
  const messageIds = refs.filter((ref) => /^message:\d+$/.test(ref)).map((ref) => Number(ref.slice('message:'.length)));
  return { uids, messageIds, all: refs.length === 0 };
}

/** True when every ref is one the command understands. */
export function refsReadable(refs: readonly string[]): boolean {
  return refs.every((ref) => /^(uid:)?\d+$/.test(ref) || /^message:\d+$/.test(ref));
}

export async function listGivenUp(db: Db, filter: RetryFilter = {}): Promise<GivenUpMail[]> {
  const { uids, messageIds, all } = refsOf(filter);
  const mailbox = filter.mailboxId === undefined ? {} : { mailboxId: filter.mailboxId };
  const [gaps, messages] = await Promise.all([
    all || uids.length ? db.mailGap.findMany({ where: { ...mailbox, gaveUpAt: { not: null }, ...(all ? {} : { uid: { in: uids } }) }, include: { mailbox: { select: { key: true } } }, orderBy: { id: 'asc' } }) : [],
    all || messageIds.length ? db.message.findMany({ where: { ...mailbox, parseState: 'given_up', ...(all ? {} : { id: { in: messageIds } }) }, select: { id: true, parseError: true, ingestAttempts: true, receivedAt: true, mailbox: { select: { key: true } } }, orderBy: { id: 'asc' } }) : [],
  ]);
  return [
    ...gaps.map((gap) => ({ stage: 'fetch' as const, mailboxKey: gap.mailbox.key, ref: `uid:${gap.uid}`, reason: gap.reason, attempts: gap.attempts, since: gap.gaveUpAt! })),
    ...messages.map((message) => ({ stage: 'ingest' as const, mailboxKey: message.mailbox.key, ref: `message:${message.id}`, reason: message.parseError ?? '', attempts: message.ingestAttempts, since: message.receivedAt })),
  ];
}

/** Puts the given-up mails the filter names back in line; returns how many. */
export async function retryGivenUp(db: Db, filter: RetryFilter = {}, now = new Date()): Promise<number> {
  const { uids, messageIds, all } = refsOf(filter);
  const mailbox = filter.mailboxId === undefined ? {} : { mailboxId: filter.mailboxId };
  const [gaps, messages] = await db.$transaction([
    db.mailGap.updateMany({ where: { ...mailbox, gaveUpAt: { not: null }, ...(all ? {} : { uid: { in: uids } }) }, data: { gaveUpAt: null, attempts: 0, nextTryAt: now } }),
    db.message.updateMany({ where: { ...mailbox, parseState: 'given_up', ...(all ? {} : { id: { in: messageIds } }) }, data: { parseState: 'stored', ingestAttempts: 0, ingestRetryAt: null } }),
  ]);
  return gaps.count + messages.count;
}
