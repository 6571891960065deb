/**
 * Turns an imapflow / socket error into something an admin can act on. Used by the
 * connection keeper (logs, /healthz) and by `npm run doctor`.
 */
import type { TOAuthSettings } from '../config/config-schema.js';
import { TokenRequestError } from '../errors.js';
export type ImapProblem = 'auth_failed' | 'unreachable' | 'tls_failed' | 'folder_missing' | 'timeout' | 'other';

export interface DescribedImapError {
  problem: ImapProblem;
  /** A sentence for a person, never containing the password. */
  message: string;
}

/**
 * Why a server refused a token the provider had just issued: the token is fine, the
 * mailbox's side of the set-up is not.
 */
export function tokenRefusedAdvice(oauth: TOAuthSettings, protocol: 'IMAP' | 'SMTP'): string {
  if (oauth.provider === 'microsoft365' && oauth.grant.kind === 'client_credentials') {
    return protocol === 'IMAP'
      ? 'for app-only access, register the app in Exchange Online (New-ServicePrincipal) and give it the mailbox (Add-MailboxPermission -AccessRights FullAccess), grant IMAP.AccessAsApp with admin consent, and check that IMAP_USER is the mailbox address'
      : 'for app-only access, grant SMTP.SendAsApp with admin consent, give the app the mailbox (Add-MailboxPermission), turn SMTP AUTH on for the mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled $false), and check that SMTP_USER is the mailbox address';
  }
  if (oauth.provider === 'google')
    return `check that ${protocol} access is allowed for the user in the Google Admin console and that the scope is https://mail.google.com/`;
  return `check that the token's scope grants ${protocol} access to the mailbox and that the user name is the mailbox address`;
}

/** The server refused the sign-in (a wrong password, or a token it would not take). */
export function isAuthFailure(error: unknown): boolean {
  const err = error as { code?: string; authenticationFailed?: boolean; serverResponseCode?: string };
  return (
    err.authenticationFailed === true ||
    err.code === 'AUTHENTICATIONFAILED' ||
    err.serverResponseCode === 'AUTHENTICATIONFAILED'
  );
}

export function describeImapError(
  error: unknown,
  where: { user: string; host: string; port: number; folder: string; oauth?: TOAuthSettings },
): DescribedImapError {
  if (error instanceof TokenRequestError) {
    return {
      problem: error.problem === 'refused' ? 'auth_failed' : 'unreachable',
      message: `IMAP sign-in for ${where.user} needs a token: ${error.message}`,
    };
  }
  const err = error as { code?: string; responseText?: string; message?: string; tlsFailed?: boolean };
  const code = err.code ?? '';
  if (isAuthFailure(error)) {
    if (where.oauth) {
      return {
        problem: 'auth_failed',
        message: `IMAP server ${where.host} refused the OAuth2 token for ${where.user} — ${tokenRefusedAdvice(where.oauth, 'IMAP')}`,
      };
    }
    return {
      problem: 'auth_failed',
      message: `IMAP login failed for ${where.user}: authentication rejected — check IMAP_USER and IMAP_PASSWORD`,
    };
  }
  if (err.tlsFailed && /STARTTLS/i.test(err.message ?? '')) {
    return {
      problem: 'tls_failed',
      message: `IMAP server ${where.host}:${where.port} does not offer STARTTLS (${err.message}), so nothing was sent — use IMAP_SECURE=true with the TLS port (usually 993); IMAP_TLS=none only for a server on this machine`,
    };
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'].includes(code)) {
    return {
      problem: 'unreachable',
      message: `IMAP server ${where.host}:${where.port} cannot be reached (${code}) — check IMAP_HOST and IMAP_PORT`,
    };
  }
  if (code === 'ETIMEDOUT' || code === 'CONNECT_TIMEOUT' || code === 'GREETING_TIMEOUT' || code === 'UPGRADE_TIMEOUT') {
    return {
      problem: 'timeout',
      message: `IMAP server ${where.host}:${where.port} did not answer in time — check IMAP_HOST, IMAP_PORT and IMAP_SECURE`,
    };
  }
  if (/ssl|tls|certificate|wrong version number/i.test(err.message ?? '')) {
    return {
      problem: 'tls_failed',
      message: `TLS with ${where.host}:${where.port} failed (${err.message}) — check IMAP_SECURE (true for port 993, false for 143 with STARTTLS); a server certificate from a private CA is trusted with NODE_EXTRA_CA_CERTS=/path/to/ca.pem`,
    };
  }
  if (
    code === 'NoMailbox' ||
    /mailbox doesn't exist|nonexistent|not exist/i.test(err.responseText ?? err.message ?? '')
  ) {
    return {
      problem: 'folder_missing',
      message: `IMAP folder "${where.folder}" does not exist for ${where.user} — check IMAP_FOLDER`,
    };
  }
  return {
    problem: 'other',
    message: `IMAP error with ${where.host}:${where.port}: ${err.responseText ?? err.message ?? String(error)}`,
  };
}
