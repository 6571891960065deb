/**
 * Mailroom's own errors, one class each, with a stable `code` that logs and metrics carry.
 * Code that must tell one failure from another matches the class (`instanceof`), never the
 * message or a code string. Errors of the libraries (Prisma, imapflow, nodemailer, Slack's
 * Web API) are read where they are met: db/errors.ts, mail/imap-errors.ts, …
 */

export abstract class MailroomError extends Error {
  abstract readonly code: string;
  /** The data itself is bad: reading or trying it again will not help. */
  readonly permanent: boolean = false;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A mail could not be parsed (by mailparser, in time, or at all because its worker died). */
export class ParseError extends MailroomError {
  constructor(
    message: string,
    readonly code: 'parse_failed' | 'parse_timeout' | 'parser_crashed' | 'pool_closed',
  ) {
    super(message);
  }
}

/**
 * The stored source could not be read while it was parsed (the database, not the mail):
 * nothing is known of the mail yet, so it is tried again later and not given up on. Thrown
 * on both sides of the parse worker's thread boundary.
 */
export class SourceUnreadableError extends MailroomError {
  readonly code = 'source_unreadable';
}

/**
 * The stored source is damaged (a part missing, the wrong length): reading it again will
 * not help, so the mail is posted with what could be read.
 */
export class DamagedSourceError extends MailroomError {
  readonly code = 'source_damaged';
  override readonly permanent = true;
}

/** The mail was claimed by another worker since it was read: the batch must not go on as planned. */
export class LostClaimError extends MailroomError {
  readonly code = 'claim_lost';
  constructor(readonly messageRowId: number) {
    super(`message ${messageRowId} was ingested meanwhile`);
  }
}

/**
 * A ticket or mail changed between the look and the write (merged meanwhile, a mail split
 * out by someone else): the transaction is undone and the person told what it is now.
 */
export class TicketChangedError extends MailroomError {
  readonly code = 'ticket_changed';
  constructor(readonly ticketId: number) {
    super(`ticket ${ticketId} changed meanwhile`);
  }
}

/**
 * `refused`: the OAuth2 provider said no to our credentials or set-up; asking again soon
 * will not help and can lock the app out, so it is retried slowly. `unreachable`: the
 * endpoint did not answer; retried as any network failure.
 */
export type TokenProblem = 'refused' | 'unreachable';

/** A token request that failed; the message says what to fix (mail/oauth/oauth-errors.ts). */
export class TokenRequestError extends MailroomError {
  readonly code = 'oauth_token_failed';
  constructor(
    readonly problem: TokenProblem,
    message: string,
    /** The provider's own error code (`invalid_client`, `AADSTS7000215`, …) when it gave one. */
    readonly providerCode?: string,
  ) {
    super(message);
  }
}

/** Another Mailroom runs on this SQLite file (which one instance at a time may use). */
export class AnotherInstanceError extends MailroomError {
  readonly code = 'another_instance';
  constructor(readonly holder: string) {
    super(
      `Another Mailroom (${holder}) is running on this SQLite file; SQLite runs one instance. Stop it first, or use PostgreSQL (DATABASE_URL=postgresql://…) to run several.`,
    );
  }
}

/** What an unknown thrown value says, for a log line or a note (a non-Error is stringified). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
