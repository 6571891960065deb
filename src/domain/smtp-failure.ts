/**
 * What an SMTP failure means for a reply: whether the mail provably did not go out (then
 * it may be tried again), was refused for good, or may have gone out (then it is never
 * sent again automatically: a second copy is worse than a question to a person).
 */
export type SmtpFailure = 'temporary' | 'permanent' | 'uncertain';

/**
 * SMTP steps before the message body is handed over: a failure there sent nothing. Not
 * `CONN`: nodemailer names every dropped connection and socket timeout so, also one after
 * the body went out and before the server's 250 came back.
 */
const BEFORE_DATA = /^(EHLO|HELO|LHLO|STARTTLS|AUTH\b.*|MAIL FROM|RCPT TO|API)$/i;
const CONNECT_ERRORS = new Set(['ECONNECTION', 'EDNS', 'ETLS', 'EAUTH', 'ENOAUTH', 'EENVELOPE', 'ECONNREFUSED']);

/**
 * `dataInvited`: whether the server had answered DATA with 354 (see smtp-transport.ts),
 * when that is known. It is the sure sign: before it, the server cannot have accepted the
 * mail; after it, it may have.
 */
export function classifySmtpFailure(
  error: { responseCode?: number; code?: string; command?: string },
  dataInvited?: boolean,
): SmtpFailure {
  // The server answered: its reply code says whether to try again.
  if (typeof error.responseCode === 'number' && error.responseCode >= 400)
    return error.responseCode < 500 ? 'temporary' : 'permanent';
  if (dataInvited !== undefined) return dataInvited ? 'uncertain' : 'temporary';
  if (error.command && BEFORE_DATA.test(error.command)) return 'temporary';
  if (error.code && CONNECT_ERRORS.has(error.code) && !error.command) return 'temporary';
  // A broken connection or timeout after the body was sent: the server may have taken it.
  return 'uncertain';
}
