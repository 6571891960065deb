/**
 * TLS is never skipped silently. Against servers that do not offer STARTTLS (as a
 * downgrading man in the middle would present them), the bot and the doctor send no login
 * and no mail; only the explicit opt-out (IMAP_TLS=none, SMTP_TLS=none) talks in clear
 * text, and the doctor warns about it. The IMAP server here records every line it hears.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { useFixture } from '../support/fixture.js';
import { MailroomProcess, runCommand } from '../support/mailroom-process.js';
import { describeWithDovecot } from '../support/services.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';

/** An IMAP server without STARTTLS that refuses every login, keeping what clients send. */
async function startPlainImap(): Promise<{
  port: number;
  heard: string[];
  connections: number;
  stop(): Promise<void>;
}> {
  const heard: string[] = [];
  const state = { connections: 0 };
  const server = net.createServer((socket) => {
    state.connections += 1;
    socket.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN ID] plain-text only\r\n');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) !== -1) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        heard.push(line);
        const [tag, command = ''] = line.split(' ');
        const verb = command.toUpperCase();
        if (verb === 'LOGIN' || verb === 'AUTHENTICATE')
          socket.write(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`);
        else if (verb === 'CAPABILITY') socket.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN ID\r\n${tag} OK done\r\n`);
        else if (verb === 'LOGOUT') socket.end(`* BYE\r\n${tag} OK bye\r\n`);
        else if (tag && command) socket.write(`${tag} OK done\r\n`);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    heard,
    get connections() {
      return state.connections;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describeWithDovecot('TLS that cannot be skipped', (dovecot) => {
  const fixture = useFixture(dovecot);
  let imap: Awaited<ReturnType<typeof startPlainImap>>;
  let smtp: SmtpCapture;
  const smtpAuth: { method: string; user?: string; secure: boolean }[] = [];

  beforeAll(async () => {
    imap = await startPlainImap();
    smtp = await startSmtpCapture({ user: 'mailer', password: 'smtp-secret' }, { noTls: true, authAttempts: smtpAuth });
  });
  afterAll(async () => {
    await imap?.stop();
    await smtp?.stop();
  });

  const env = (extra: Record<string, string> = {}) =>
    fixture.env({ IMAP_PORT: String(imap.port), SMTP_PORT: String(smtp.port), ...extra });
  const loginsHeard = () => imap.heard.filter((line) => /^\S+ (LOGIN|AUTHENTICATE)\b/i.test(line));

  it('sends no login before TLS: a server without STARTTLS is refused, by the doctor and by the bot', async () => {
    const doctor = await runCommand('src/cli/doctor.ts', env(), fixture.dir);
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout).toMatch(
      /FAIL imap default: IMAP server 127\.0\.0\.1:\d+ does not offer STARTTLS .*so nothing was sent — use IMAP_SECURE=true/,
    );
    expect(doctor.stdout).toMatch(
      /FAIL smtp default: SMTP server 127\.0\.0\.1:\d+ does not offer STARTTLS, so nothing was sent/,
    );

    const bot = new MailroomProcess('src/main.ts', env(), fixture.dir);
    try {
      const line = await bot.waitForLog('imap_tls_failed');
      expect(String(line.msg)).toContain('does not offer STARTTLS');
    } finally {
      await bot.stop();
    }
    // Both came, saw no STARTTLS in the greeting's capabilities, and left without a word.
    expect(imap.connections).toBeGreaterThanOrEqual(2);
    expect(loginsHeard()).toEqual([]);
    expect(smtpAuth).toEqual([]);
    expect(doctor.stdout + bot.stdout).not.toContain('smtp-secret');
  });

  it('talks in clear text only when told to (IMAP_TLS=none, SMTP_TLS=none), and the doctor warns', async () => {
    const doctor = await runCommand('src/cli/doctor.ts', env({ IMAP_TLS: 'none', SMTP_TLS: 'none' }), fixture.dir);
    // The login went out in clear text (this fake refuses it): what the opt-out allows.
    expect(loginsHeard().length).toBeGreaterThan(0);
    expect(smtpAuth.length).toBeGreaterThan(0);
    expect(smtpAuth.every((attempt) => !attempt.secure)).toBe(true);
    expect(doctor.stdout).toMatch(/WARN tls default: IMAP to 127\.0\.0\.1:\d+ is not encrypted \(TLS set to none\)/);
    expect(doctor.stdout).toMatch(/WARN tls default: SMTP to 127\.0\.0\.1:\d+ is not encrypted/);
    expect(doctor.stdout).toMatch(/ok   smtp default: .* over no TLS \(SMTP_TLS=none\)/);
  });
});
