/**
 * Understands stored mail: parse (in a worker), classify, thread each mail into its ticket
 * or open a new ticket, and queue the Slack posts. A batch of mails is committed in one
 * transaction, so after a crash each mail is either untouched (and done again) or fully
 * done (and never again); the writes go through the driver (commit-script.ts).
 *
 * A mail mailparser cannot read is still posted with what could be read from its raw
 * headers, flagged as unreadable; its source stays stored unchanged.
 */
import { rawMailStoreOf, sqlRunnerOf, type Db } from '../../db/client.js';
import { mailsInTickets, waitingMailRows } from '../../db/queries/waiting-mail.js';
import type { CustomerFields, MessageFields } from '../../db/queries/ingest-commit.js';
import { classifyMail, customerAddressOf, domainOf, senderFlags } from '../../domain/classify-mail.js';
import type { Logger } from '../../logging/logger.js';
import { applyRoutingRules, ZRoutingRule, type MailFacts, type TRoutingRule } from '../../domain/routing.js';
import { fallbackParse } from '../../mail/fallback-parse.js';
import { cleanMessageId } from '../../domain/message-id.js';
import { readRawHeaders, type RawHeaderReader } from '../../mail/raw-headers.js';
import type { RawSource } from '../../util/raw-source.js';
import { needsThreadFiles } from '../tickets/load-thread-files.js';
import { ticketPreviewShowsWhole } from '../../domain/ticket-preview.js';
import type { MailAddress, ParsedMail } from '../../domain/parsed-mail.js';
import { LostClaimError, SourceUnreadableError, errorMessage } from '../../errors.js';
import { commitMailsScript, type IngestOutcome, type PlannedMail } from './commit-script.js';
import { threadBatch, threadIdsOf, type BatchMail, type ThreadedRow } from '../../domain/thread-batch.js';

export type { IngestOutcome } from './commit-script.js';

export interface MailParser {
  parse(raw: Uint8Array | RawSource): Promise<ParsedMail>;
}

export interface IngestDeps {
  /** The mailbox's routing rules; the queue caches them per round (default: read each time). */
  routingRules?: (mailboxId: number) => Promise<TRoutingRule[]>;
  db: Db;
  parser: MailParser;
  logger: Logger;
  /** Our own support addresses (loop detection). */
  ownAddresses: readonly string[];
}

/**
 * Parses the raw source; when the parser gives up on the mail, what can be read without
 * one. A source that could not be read is an error of the moment, not of the mail: it is
 * thrown, and the queue tries again later.
 */
async function parseOrFallback(
  deps: IngestDeps,
  raw: RawSource,
  messageRowId: number,
): Promise<{ mail: ParsedMail; error: string | null }> {
  try {
    return { mail: await deps.parser.parse(raw), error: null };
  } catch (error) {
    if (error instanceof SourceUnreadableError) throw error;
    const message = errorMessage(error);
    deps.logger.warn(
      { code: 'mail_parse_failed', messageRowId, err: message },
      'mail could not be parsed; posting what could be read',
    );
    // The headers and the start of the body are what can be read without a parser: the
    // first part is enough (and a large mail is not read whole for it).
    return { mail: fallbackParse(raw.head), error: message };
  }
}

/**
 * Text from mail may hold NUL characters (a quoted-printable =00, an encoded word in an
 * address or a file name), which PostgreSQL refuses in text columns: the mail could then
 * never be committed. They carry nothing readable, so every string of the parsed mail
 * (and of what is written from it) goes without them; bytes are left alone.
 */
function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return value.replace(/\u0000/g, '') as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, withoutNul(entry)])) as T;
}

function customerFields(customer: MailAddress, fromCustomer: boolean): CustomerFields {
  return {
    address: customer.address,
    domain: domainOf(customer.address),
    name: customer.name || null,
    ...senderFlags(customer),
    fromCustomer,
  };
}

export interface IngestOptions {
  /** False for history imports: the ticket is kept, nothing is posted to Slack. */
  announce?: boolean;
}

/** The mailbox's enabled routing rules in order; a rule that no longer validates is skipped and logged. */
export async function loadRoutingRules(deps: IngestDeps, mailboxId: number): Promise<TRoutingRule[]> {
  const rows = await deps.db.routingRule.findMany({
    where: { mailboxId, enabled: true },
    orderBy: [{ position: 'asc' }, { id: 'asc' }],
  });
  return rows.flatMap((row) => {
    const rule = ZRoutingRule.safeParse({
      name: row.name,
      when: JSON.parse(row.conditions),
      then: JSON.parse(row.actions),
    });
    if (rule.success) return [rule.data];
    deps.logger.warn(
      { code: 'routing_rule_invalid', ruleId: row.id, name: row.name },
      'routing rule skipped: it no longer validates',
    );
    return [];
  });
}

function mailFacts(mail: ParsedMail, header: RawHeaderReader): MailFacts {
  return {
    from: mail.from?.address ?? '',
    to: [...mail.to, ...mail.cc].map((address) => address.address),
    subject: mail.subject ?? '',
    body: mail.text,
    header,
  };
}

/** A stored mail read and parsed, ready to be committed; nothing written yet. */
export interface PreparedMail {
  messageRowId: number;
  mail: ParsedMail | null;
  error: string | null;
  /** The raw source's headers (the source itself went to the parser). */
  header: RawHeaderReader | null;
  /** Taken from its headers alone after failed tries: no routing rules. */
  headersOnly?: boolean;
}

/**
 * The slow, write-free half: parse the stored source (in a worker). The queue runs this
 * for the next mails while it commits earlier ones. A mail no longer waiting (done by
 * someone else meanwhile) is not read at all.
 */
export async function prepareStoredMail(
  deps: IngestDeps,
  messageRowId: number,
  { headersOnly }: { headersOnly?: string } = {},
): Promise<PreparedMail> {
  const raw = await rawMailStoreOf(deps.db).openRaw(messageRowId, { onlyWaiting: true });
  if (!raw) return { messageRowId, mail: null, error: null, header: null };
  // Read before the bytes go to the parser: routing rules may look at any header.
  const header = readRawHeaders(raw.head);
  // A mail that failed again and again is taken as its headers and the start of its text,
  // without routing rules: posted with what could be read rather than not at all.
  if (headersOnly)
    return {
      messageRowId,
      header,
      headersOnly: true,
      ...withoutNul({ mail: fallbackParse(raw.head), error: headersOnly }),
    };
  const { mail, error } = await parseOrFallback(deps, raw, messageRowId);
  return { messageRowId, header, ...withoutNul({ mail, error }) };
}

export async function ingestStoredMail(
  deps: IngestDeps,
  messageRowId: number,
  options: IngestOptions = {},
): Promise<IngestOutcome> {
  const [outcome] = await commitStoredMails(deps, [await prepareStoredMail(deps, messageRowId)], options);
  return outcome!;
}

/**
 * The ordered half: thread, route and store the outcome of the mails, in their order, in
 * one transaction; one outcome per mail. With several mails, anything going wrong fails
 * the whole batch (nothing written): the caller then commits them one by one.
 */
export async function commitStoredMails(
  deps: IngestDeps,
  prepared: readonly PreparedMail[],
  options: IngestOptions = {},
): Promise<IngestOutcome[]> {
  const planned = await planMails(deps, prepared, options);
  const outcomes = new Map<number, IngestOutcome>();
  if (planned.length) {
    try {
      const committed = await sqlRunnerOf(deps.db).transaction(() => commitMailsScript(planned, new Date()));
      planned.forEach((mail, index) => outcomes.set(mail.messageRowId, committed[index]!));
    } catch (error) {
      // One mail done by someone else since it was read: that mail is simply done.
      if (!(error instanceof LostClaimError && prepared.length === 1)) throw error;
    }
  }
  return prepared.map((mail) => outcomes.get(mail.messageRowId) ?? { kind: 'already_done' });
}

/** Everything about the mails that can be decided before the transaction. */
async function planMails(
  deps: IngestDeps,
  prepared: readonly PreparedMail[],
  options: IngestOptions,
): Promise<PlannedMail[]> {
  const ready = prepared.filter(
    (item): item is PreparedMail & { mail: ParsedMail; header: RawHeaderReader } => !!item.mail && !!item.header,
  );
  if (ready.length === 0) return [];
  const rows = new Map(
    (
      await waitingMailRows(
        deps.db,
        ready.map((item) => item.messageRowId),
      )
    ).map((row) => [row.id, row]),
  );
  const waiting = ready.flatMap((item) => {
    const row = rows.get(item.messageRowId);
    if (!row) return [];
    const flags = classifyMail(item.mail, deps.ownAddresses);
    // Mail marked history when stored (found by a UIDVALIDITY rescan, older than Mailroom's
    // first start) is kept as a closed ticket, not posted: no flood of old mail in Slack.
    const stored = JSON.parse(row.flags) as { history?: boolean; oversize?: number };
    const history = stored.history === true;
    // Over the size cap only the mail's start was taken: its attachments are cut off, so
    // none is kept or shared as if whole; the ticket says what happened.
    const oversize = (stored.oversize ?? 0) > 0;
    // From the parsed mail and its error, already without NULs (prepareStoredMail).
    const fields: MessageFields = {
      parseState: item.error ? 'failed' : 'parsed',
      parseError: item.error,
      messageId: cleanMessageId(item.mail.messageId) ?? row.messageId,
      inReplyTo: item.mail.inReplyTo,
      references: JSON.stringify(item.mail.references),
      fromAddress: item.mail.from?.address || null,
      fromName: item.mail.from?.name || null,
      replyTo: item.mail.replyTo?.address || null,
      toAddresses: JSON.stringify(item.mail.to),
      ccAddresses: JSON.stringify(item.mail.cc),
      subject: item.mail.subject,
      text: item.mail.text,
      html: item.mail.html,
      flags: JSON.stringify({
        ...flags,
        textTruncated: item.mail.textTruncated,
        ...(history ? { history } : {}),
        ...(oversize ? { oversize } : {}),
      }),
      sentAt: item.mail.date,
    };
    return [
      { item: oversize ? { ...item, mail: { ...item.mail, attachments: [] } } : item, row, flags, history, fields },
    ];
  });
  const batch: BatchMail[] = waiting.map(({ item, row, flags, fields }) => ({
    messageRowId: row.id,
    mailboxId: row.mailboxId,
    messageId: fields.messageId,
    mail: item.mail,
    bounce: flags.bounce,
  }));
  const threads = threadBatch(batch, await findThreadedRows(deps.db, batch));
  const rulesFor = deps.routingRules ?? ((mailboxId: number) => loadRoutingRules(deps, mailboxId));
  return Promise.all(
    waiting.map(async ({ item, row, flags, history, fields }, index): Promise<PlannedMail> => {
      const thread = threads[index]!;
      const customer = customerAddressOf(item.mail);
      // Who sent it, as far as a readable From says: a sender guessed from other headers proves nothing.
      const sender = item.mail.fromSource === 'from' ? (customer?.address ?? null) : null;
      return {
        messageRowId: row.id,
        mailboxId: row.mailboxId,
        channelId: row.channelId,
        receivedAt: row.receivedAt,
        fields,
        attachments: item.mail.attachments,
        flags,
        announce: options.announce ?? !history,
        hasFiles: needsThreadFiles(item.mail),
        needsTextCopy: !ticketPreviewShowsWhole(item.mail.text),
        thread,
        sender,
        // Routing rules decide about new tickets only.
        routing:
          thread === null && !item.headersOnly
            ? applyRoutingRules(await rulesFor(row.mailboxId), mailFacts(item.mail, item.header))
            : { tags: [], matched: [] },
        customer:
          thread === null && customer
            ? customerFields(customer, sender !== null && customer.address === item.mail.from?.address)
            : null,
      };
    }),
  );
}

/** One look-up for the whole batch: the stored mails in a ticket that any mail of it answers. */
async function findThreadedRows(db: Db, batch: readonly BatchMail[]): Promise<ThreadedRow[]> {
  const ids = [...new Set(batch.flatMap((mail) => threadIdsOf(mail.mail, mail.bounce)))];
  if (ids.length === 0) return [];
  const mailboxIds = [...new Set(batch.map((mail) => mail.mailboxId))];
  return mailsInTickets(db, mailboxIds, ids);
}
