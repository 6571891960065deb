/**
 * Turns an imapflow / socket error into something an admin can act on. Used by the
 * connection keeper (logs, /healthz) and by `npm run doctor`.
 */
export type ImapProblem = 'auth_failed' | 'unreachable' | 'tls_failed' | 'folder_missing' | 'timeout' | 'other';

export interface DescribedImapError {
  problem: ImapProblem;
  /** A sentence for a person, never containing the password. */
  message: string;
}

export function describeImapError(error: unknown, where: { user: string; host: string; port: number; folder: string }): DescribedImapError {
  const err = error as { code?: string; authenticationFailed?: boolean; responseText?: string; message?: string; serverResponseCode?: string };
  const code = err.code ?? '';
  if (err.authenticationFailed || code === 'AUTHENTICATIONFAILED' || err.serverResponseCode === 'AUTHENTICATIONFAILED') {
    return { problem: 'auth_failed', message: `IMAP login failed for ${where.user}: authentication rejected — check IMAP_USER and IMAP_PASSWORD` };
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'].includes(code)) {
    return { problem: 'unreachable', message: `IMAP server ${where.host}:${where.port} cannot be reached (${code}) — check IMAP_HOST and IMAP_PORT` };
  }
  if (code === 'ETIMEDOUT' || code === 'CONNECT_TIMEOUT' || code === 'GREETING_TIMEOUT' || code === 'UPGRADE_TIMEOUT') {
    return { problem: 'timeout', message: `IMAP server ${where.host}:${where.port} did not answer in time — check IMAP_HOST, IMAP_PORT and IMAP_SECURE` };
  }
  if (/ssl|tls|certificate|wrong version number/i.test(err.message ?? '')) {
    return { problem: 'tls_failed', message: `TLS with ${where.host}:${where.port} failed — check IMAP_SECURE (true for port 993, false for 143)` };
  }
  if (code === 'NoMailbox' || /mailbox doesn't exist|nonexistent|not exist/i.test(err.responseText ?? err.message ?? '')) {
    return { problem: 'folder_missing', message: `IMAP folder "${where.folder}" does not exist for ${where.user} — check IMAP_FOLDER` };
  }
  return { problem: 'other', message: `IMAP error with ${where.host}:${where.port}: ${err.responseText ?? err.message ?? String(error)}` };
}
