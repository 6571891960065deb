/**
 * A real SMTP server (smtp-server, by nodemailer's author) on loopback that keeps every
 * mail it accepts. With `auth` set it requires that login and refuses any other.
 */
import { SMTPServer } from 'smtp-server';
import { freePort } from './net.js';

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
  stop(): Promise<void>;
}

export async function startSmtpCapture(auth?: { user: string; password: string }): Promise<SmtpCapture> {
  const mails: CapturedMail[] = [];
  const port = await freePort();
  const server = new SMTPServer({
    secure: false,
    authOptional: !auth,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(credentials, _session, callback) {
      if (auth && credentials.username === auth.user && credentials.password === auth.password) {
        callback(null, { user: credentials.username });
      } else {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { host: '127.0.0.1', port, mails, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
