/**
 * The nodemailer SMTP transport of a mailbox, and what its errors mean for an admin.
 * Shared by `npm start` (checks the login at start), doctor, and later the outbox.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { TSmtpConfig } from '../config/config-schema.js';

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

export function createSmtpTransport(smtp: TSmtpConfig, onServerReply?: ServerReplyListener): Transporter {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.password } : undefined,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    // A server gone quiet mid-transaction must not hold a reply for nodemailer's 10 minutes.
    socketTimeout: 60_000,
    ...(onServerReply ? { logger: serverReplies(onServerReply), debug: true } : {}),
  });
}

/** A sentence saying what went wrong and which setting to check; never the password. */
export function describeSmtpError(error: unknown, smtp: TSmtpConfig): string {
  const err = error as { code?: string; message?: string };
  if (err.code === 'EAUTH') return `SMTP login failed for ${smtp.user}: authentication rejected — check SMTP_USER and SMTP_PASSWORD`;
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
