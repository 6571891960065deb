/**
 * The nodemailer SMTP transport of a mailbox, and what its errors mean for an admin.
 * Shared by `npm start` (checks the login at start), doctor, and later the outbox.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { TSmtpConfig } from '../config/config-schema.js';
import { tokenRefusedAdvice } from './imap-errors.js';
import { TokenRequestError } from '../errors.js';
import { oauthTokens } from './oauth/token-source.js';

/** Hears each reply line of the server (and nothing else of the conversation). */
export type ServerReplyListener = (line: string) => void;

/**
 * nodemailer's logger interface, reduced to the server's replies: with `debug` on it logs
 * every line of the conversation, the server's tagged `tnx: 'server'`. Nothing is kept or
 * printed (the client's lines include the login and the mail).
 */
function serverReplies(listen: ServerReplyListener) {
  const hear = (meta: unknown, message: unknown) => {
    if ((meta as { tnx?: string } | null)?.tnx === 'server' && typeof message === 'string') listen(message);
  };
  const ignore = () => {};
  return { level: ignore, trace: hear, debug: hear, info: hear, warn: ignore, error: ignore, fatal: ignore };
}

/** How a connection to these settings is protected, in words for logs and the doctor. */
export function smtpTlsDescription(smtp: Pick<TSmtpConfig, 'secure' | 'tls'>): string {
  if (smtp.secure) return 'TLS';
  return smtp.tls === 'none' ? 'no TLS (SMTP_TLS=none)' : 'STARTTLS (required)';
}

/**
 * The login: a password, or XOAUTH2 with a token from the mailbox's token source. nodemailer
 * asks the provision callback again with `renew` when the server refuses a token, so a
 * revoked or early-expired token costs one retry, not a failed reply.
 */
function smtpAuth(smtp: TSmtpConfig) {
  if (smtp.oauth) {
    const tokens = oauthTokens(smtp.oauth);
    return {
      type: 'OAuth2' as const,
      user: smtp.user,
      provisionCallback: (
        _user: string,
        renew: boolean,
        done: (error: Error | null, token?: string, expires?: number) => void,
      ) => {
        tokens.accessToken({ renew }).then(
          (token) => done(null, token, tokens.expiresAt),
          (error: Error) => done(error),
        );
      },
    };
  }
  return smtp.user ? { user: smtp.user, pass: smtp.password } : undefined;
}

/**
 * Without `secure`, STARTTLS is required (`requireTLS`): a server that does not offer it is
 * left before the login and the mail are sent. Only `tls: none` talks in clear text.
 */
export function createSmtpTransport(smtp: TSmtpConfig, onServerReply?: ServerReplyListener): Transporter {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && smtp.tls !== 'none',
    ignoreTLS: !smtp.secure && smtp.tls === 'none',
    auth: smtpAuth(smtp),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    // A server gone quiet mid-transaction must not hold a reply for nodemailer's 10 minutes.
    socketTimeout: 60_000,
    ...(onServerReply ? { logger: serverReplies(onServerReply), debug: true } : {}),
  });
}

/** A sentence saying what went wrong and which setting to check; never the password. */
export function describeSmtpError(error: unknown, smtp: TSmtpConfig): string {
  if (error instanceof TokenRequestError) return `SMTP sign-in for ${smtp.user} needs a token: ${error.message}`;
  const err = error as { code?: string; message?: string };
  if (err.code === 'EAUTH' && smtp.oauth)
    return `SMTP server ${smtp.host} refused the OAuth2 token for ${smtp.user} — ${tokenRefusedAdvice(smtp.oauth, 'SMTP')}`;
  if (err.code === 'EAUTH')
    return `SMTP login failed for ${smtp.user}: authentication rejected — check SMTP_USER and SMTP_PASSWORD`;
  if (err.code === 'ETLS' && /STARTTLS/i.test(err.message ?? '')) {
    return `SMTP server ${smtp.host}:${smtp.port} does not offer STARTTLS, so nothing was sent — use SMTP_SECURE=true with port 465, or a server that offers STARTTLS on 587; SMTP_TLS=none only for a server on this machine`;
  }
  if (/certificate|self.signed/i.test(err.message ?? '')) {
    return `TLS with SMTP server ${smtp.host}:${smtp.port} failed (${err.message}) — a server certificate from a private CA is trusted with NODE_EXTRA_CA_CERTS=/path/to/ca.pem`;
  }
  if (['ESOCKET', 'ECONNECTION', 'ETIMEDOUT', 'EDNS'].includes(err.code ?? '')) {
    return `SMTP server ${smtp.host}:${smtp.port} cannot be reached (${err.message}) — check SMTP_HOST, SMTP_PORT and SMTP_SECURE`;
  }
  return `SMTP ${smtp.host}:${smtp.port}: ${err.message ?? String(error)} — check the SMTP_* settings`;
}

/** Connects and logs in (when a login is configured); throws what nodemailer throws. */
export async function verifySmtp(smtp: TSmtpConfig): Promise<void> {
  const transport = createSmtpTransport(smtp);
  try {
    await transport.verify();
  } finally {
    transport.close();
  }
}
