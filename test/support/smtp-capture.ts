/**
 * A real SMTP server (smtp-server, by nodemailer's author) on loopback that keeps every
 * mail it accepts. With `auth` set it requires that login and refuses any other.
 */
import { SMTPServer } from 'smtp-server';
import { freePort } from './net.js';
import { testCertificate } from './test-tls.js';

export interface CapturedMail {
  from: string;
  to: string[];
  raw: string;
  user?: string;
}

export interface SmtpCapture {
  host: string;
  port: number;
  mails: CapturedMail[];
  /**
   * Runs when a mail has been received in full and is kept, before the server answers
   * 250: a test can kill the sender exactly between the server taking a mail and the
   * sender learning so. Answering with an error instead: set `refuseNext`.
   */
  beforeAccept: ((mail: CapturedMail) => void | Promise<void>) | undefined;
  /** The next mails are refused with this SMTP reply (e.g. 550 or 451), `times` times. */
  refuseNext: { code: number; message: string; times: number } | undefined;
  /**
   * The connection is cut without an answer: at RCPT TO (before any mail was invited), or
   * after the whole mail was received and kept (the sender cannot know it was taken).
   */
  dropConnection: 'at-rcpt' | 'after-data' | undefined;
  /** Recipients refused at RCPT TO (550), the mail still taken for the others. */
  refuseRecipients: string[];
  stop(): Promise<void>;
}

export interface SmtpCaptureOptions {
  /** Accept XOAUTH2 only, with a token this says is valid for the user. */
  oauth?: (user: string, accessToken: string) => boolean;
  /** No STARTTLS offered (to prove the bot then sends nothing). */
  noTls?: boolean;
  /** Every AUTH attempt, as the server saw it (method and user), to prove what was sent. */
  authAttempts?: { method: string; user?: string; secure: boolean }[];
}

/**
 * The server offers STARTTLS with the test certificate, as a real relay on 587 does; the
 * bot, told SMTP_SECURE=false, must take it (NODE_EXTRA_CA_CERTS in the fixture trusts it).
 */
export async function startSmtpCapture(
  auth?: { user: string; password: string },
  options: SmtpCaptureOptions = {},
): Promise<SmtpCapture> {
  const tls = testCertificate();
  const mails: CapturedMail[] = [];
  const port = await freePort();
  const capture: SmtpCapture = {
    host: '127.0.0.1',
    port,
    mails,
    beforeAccept: undefined,
    refuseNext: undefined,
    dropConnection: undefined,
    refuseRecipients: [],
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    secure: false,
    key: tls.key,
    cert: tls.cert,
    authOptional: !auth && !options.oauth,
    allowInsecureAuth: true,
    ...(options.oauth ? { authMethods: ['XOAUTH2'] } : {}),
    disabledCommands: options.noTls ? ['STARTTLS'] : [],
    logger: false,
    onAuth(credentials, session, callback) {
      options.authAttempts?.push({
        method: credentials.method,
        user: credentials.username,
        secure: Boolean(session.secure),
      });
      if (options.oauth) {
        if (credentials.accessToken && options.oauth(credentials.username ?? '', credentials.accessToken))
          return callback(null, { user: credentials.username });
        // RFC 7628: the refusal as a JSON challenge, after which the client ends the exchange.
        return callback(null, { data: { status: '401', schemes: 'bearer', scope: 'mail' } });
      }
      if (auth && credentials.username === auth.user && credentials.password === auth.password) {
        callback(null, { user: credentials.username });
      } else {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      }
    },
    onRcptTo(address, _session, callback) {
      if (capture.dropConnection === 'at-rcpt') return cut();
      if (capture.refuseRecipients.includes(address.address))
        return callback(Object.assign(new Error(`5.1.1 <${address.address}>: user unknown`), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const refusal = capture.refuseNext;
        if (refusal && refusal.times > 0) {
          refusal.times -= 1;
          callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
          return;
        }
        const mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
        };
        mails.push(mail);
        if (capture.dropConnection === 'after-data') return cut();
        await capture.beforeAccept?.(mail);
        callback();
      });
    },
  });
  /** Cuts every open connection (smtp-server keeps them in a set, sockets inside). */
  function cut(): void {
    for (const connection of (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections)
      connection._socket.destroy();
  }
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return capture;
}
