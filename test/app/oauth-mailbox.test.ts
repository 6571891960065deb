/**
 * A mailbox that signs in with OAuth2 only, as on Microsoft 365 and Google Workspace: a real
 * Dovecot that accepts nothing but bearer tokens (it asks the test token server whether each
 * is live), an SMTP server that takes XOAUTH2 only, and tokens that live a few seconds, so
 * the bot has to fetch, refresh and replace them while mail keeps arriving.
 */
import { mkdtempSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kickUser, startDovecot, type DovecotInfo } from '../support/dovecot.js';
import { CHANNEL_ID, USERS, startFixture, type Fixture } from '../support/fixture.js';
import { MailroomProcess, runCommand } from '../support/mailroom-process.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot } from '../support/services.js';
import type { StoredMessage } from '../support/slack-standin.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { testCertificate } from '../support/test-tls.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

const LIFETIME_S = 4;

describeWithDovecot('OAuth2 mailboxes (token-only IMAP and SMTP)', () => {
  let tokens: TokenServer;
  let dovecot: DovecotInfo & { stop(): Promise<void> };
  let fixture: Fixture;
  let smtp: SmtpCapture;
  const smtpAuth: { method: string; user?: string; secure: boolean }[] = [];

  beforeAll(async () => {
    tokens = await startTokenServer({ user: 'pending', lifetimeS: LIFETIME_S, rotateRefreshTokens: true });
    dovecot = await startDovecot({ oauthIntrospectionUrl: tokens.introspectionUrl });
    fixture = await startFixture(dovecot);
    tokens.options.user = fixture.mailbox;
    smtp = await startSmtpCapture(undefined, {
      oauth: (user, token) => tokens.valid(user, token),
      authAttempts: smtpAuth,
    });
  });
  afterAll(async () => {
    await fixture?.close();
    await smtp?.stop();
    await dovecot?.stop();
    await tokens?.stop();
  });

  /** Microsoft 365's preset (Sent copy: never) pointed at the local servers. */
  const oauthEnv = (extra: Record<string, string | undefined> = {}) =>
    fixture.env({
      MAIL_PROVIDER: 'microsoft365',
      MAIL_AUTH: 'oauth2',
      OAUTH_TOKEN_URL: tokens.tokenUrl,
      OAUTH_CLIENT_ID: tokens.clientId,
      OAUTH_CLIENT_SECRET: tokens.clientSecret,
      IMAP_PASSWORD: undefined,
      SMTP_PORT: String(smtp.port),
      SMTP_USER: undefined,
      SMTP_PASSWORD: undefined,
      REVIEW_POLICY: 'none',
      ...extra,
    });

  /** The customer's mail arrives: appended with a token of the test's own. */
  async function deliver(subject: string): Promise<void> {
    const client = new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      doSTARTTLS: false,
      auth: { user: fixture.mailbox, accessToken: tokens.issueForTest() },
      logger: false,
    });
    await client.connect();
    try {
      await client.append(
        'INBOX',
        `From: 顧客 <kokyaku@customer.example.jp>\r\nTo: ${fixture.mailbox}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}-${Date.now()}@customer.example.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nお問い合わせです。\r\n`,
      );
    } finally {
      await client.logout();
    }
  }

  const posted = (subject: string) =>
    fixture.slack.posted(CHANNEL_ID).find((message) => JSON.stringify(message.blocks ?? []).includes(subject));
  const grants = (kind: string) => tokens.requests.filter((grant) => grant === kind).length;

  function expectNoSecretIn(output: string): void {
    expect(tokens.issued.length).toBeGreaterThan(0);
    for (const token of tokens.issued) expect(output).not.toContain(token);
    expect(output).not.toContain(tokens.clientSecret);
  }

  it('takes mail over several token lifetimes, reconnects with a fresh token after the server drops it, and replies over SMTP XOAUTH2', async () => {
    const bot = new MailroomProcess('src/main.ts', oauthEnv(), fixture.dir);
    try {
      await bot.waitForLog('imap_connected');
      await deliver('First over OAuth');
      await waitFor(() => !!posted('First over OAuth'), 15_000, 'the first mail in Slack');

      // The token the connection signed in with runs out; then the server drops the session.
      await new Promise((resolve) => setTimeout(resolve, (LIFETIME_S + 1) * 1000));
      const connects = () => bot.logLines.filter((line) => line.code === 'imap_connected').length;
      kickUser(dovecot, fixture.mailbox);
      await waitFor(() => connects() >= 2, 20_000, 'the reconnect with a fresh token');
      await deliver('Second over OAuth');
      await waitFor(() => !!posted('Second over OAuth'), 15_000, 'the second mail in Slack');
      // Fetched ahead of expiry while the bot ran, not once per connect only.
      expect(grants('client_credentials')).toBeGreaterThanOrEqual(3);

      // A reply goes out through XOAUTH2 over STARTTLS with a live token, even though every
      // token issued so far was revoked (a refused one is replaced at once, if the refresh
      // ahead has not replaced it already).
      tokens.revokeAll();
      const attemptsBefore = smtpAuth.length;
      const ticket = posted('First over OAuth')!;
      const ticketId = (ticket.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id;
      await sendReply(ticket, ticketId, 'ご連絡ありがとうございます。');
      await waitFor(() => smtp.mails.length === 1, 15_000, 'the reply at the SMTP server');
      expect(smtp.mails[0]!.user).toBe(fixture.mailbox);
      expect(smtp.mails[0]!.to).toEqual(['kokyaku@customer.example.jp']);
      expect(smtpAuth.length).toBeGreaterThan(attemptsBefore);
      expect(smtpAuth.every((attempt) => attempt.secure)).toBe(true);

      // Microsoft 365 keeps what its SMTP sent: no second copy appended to Sent.
      const db = new Database(path.join(fixture.dir, 'data', 'mailroom.db'), { readonly: true });
      try {
        await waitFor(
          () =>
            (db.prepare('SELECT copiedToSentAt FROM OutboxMail').get() as { copiedToSentAt: number | null } | undefined)
              ?.copiedToSentAt != null,
          10_000,
          'the Sent decision',
        );
      } finally {
        db.close();
      }
      expect(bot.logLines.some((line) => line.code === 'reply_copied_to_sent')).toBe(false);
      expectNoSecretIn(bot.stdout + bot.stderr);
    } finally {
      await bot.stop();
    }
  }, 90_000);

  async function sendReply(message: StoredMessage, ticketId: number, body: string): Promise<void> {
    const opened = () =>
      fixture.slack.calls
        .filter((call) => call.method === 'views.open' && !call.error)
        .map((call) => call.args.view as { callback_id: string; private_metadata: string });
    const before = opened().length;
    await fixture.requests.blockAction({
      userId: USERS.agentJa.id,
      channelId: CHANNEL_ID,
      messageTs: message.ts,
      action: { action_id: 'ticket.reply', type: 'button', value: String(ticketId) },
    });
    await waitFor(() => opened().length > before, 5_000, 'the reply modal');
    const modal = opened().at(-1)!;
    const answer = await fixture.requests.viewSubmission({
      userId: USERS.agentJa.id,
      callbackId: 'reply.submit',
      privateMetadata: modal.private_metadata,
      values: {
        reply_to: { to: { type: 'plain_text_input', value: 'kokyaku@customer.example.jp' } },
        reply_cc: { cc: { type: 'plain_text_input', value: '' } },
        reply_body: { body: { type: 'plain_text_input', value: body } },
      },
    });
    expect(answer.status).toBe(200);
  }

  it('a refused client secret: says what to fix, backs off instead of hammering, and loses no mail once fixed', async () => {
    const wrong = oauthEnv({ OAUTH_CLIENT_SECRET: 'not-the-secret-value' });
    const before = grants('client_credentials');
    const bot = new MailroomProcess('src/main.ts', wrong, fixture.dir);
    try {
      const line = await bot.waitForLog('imap_auth_failed');
      expect(String(line.msg)).toContain('AADSTS7000215');
      expect(String(line.msg)).toContain("copy the secret's Value (not its Secret ID)");
      await deliver('Arrived while the secret was wrong');
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      // One try, then the slow retries of a refused sign-in (a minute and more), not a loop.
      expect(grants('client_credentials') - before).toBeLessThanOrEqual(2);
      expect(bot.stdout + bot.stderr).not.toContain('not-the-secret-value');
    } finally {
      await bot.stop();
    }

    const doctor = await runCommand('src/cli/doctor.ts', wrong, fixture.dir);
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout).toMatch(
      /FAIL oauth default: client credentials \(app-only\) grant: OAuth2 token refused by 127\.0\.0\.1:\d+ \(invalid_client: AADSTS7000215: Invalid client secret provided\.\) — the client secret is wrong/,
    );
    expect(doctor.stdout).not.toContain('not-the-secret-value');

    const fixed = new MailroomProcess('src/main.ts', oauthEnv(), fixture.dir);
    try {
      await waitFor(() => !!posted('Arrived while the secret was wrong'), 20_000, 'the mail from the outage');
    } finally {
      await fixed.stop();
    }
  }, 90_000);

  it('doctor signs in with each grant: client credentials, a refresh token, a Google service account', async () => {
    const viaSecret = await runCommand('src/cli/doctor.ts', oauthEnv(), fixture.dir);
    expect(viaSecret.exitCode, viaSecret.stdout + viaSecret.stderr).toBe(0);
    expect(viaSecret.stdout).toMatch(
      /ok   oauth default: token issued by 127\.0\.0\.1:\d+ \(client credentials \(app-only\) grant\), valid for \d+ min/,
    );
    expect(viaSecret.stdout).toContain(`ok   imap default: signed in as ${fixture.mailbox}`);
    expect(viaSecret.stdout).toContain('with an OAuth2 token over STARTTLS (required)');
    expect(viaSecret.stdout).toContain('sent replies are not copied to Sent');
    expect(viaSecret.stdout).toMatch(
      new RegExp(
        `ok   smtp default: 127\\.0\\.0\\.1:\\d+ accepts sign-in as ${fixture.mailbox} with an OAuth2 token over STARTTLS`,
      ),
    );

    const refreshToken = tokens.refreshTokenFor();
    for (let run = 0; run < 2; run += 1) {
      // Run twice: the configured refresh token still works after the provider handed out a newer one.
      const viaRefresh = await runCommand(
        'src/cli/doctor.ts',
        oauthEnv({ OAUTH_CLIENT_SECRET: undefined, OAUTH_REFRESH_TOKEN: refreshToken }),
        fixture.dir,
      );
      expect(viaRefresh.exitCode, viaRefresh.stdout).toBe(0);
      expect(viaRefresh.stdout).toContain('(refresh token grant)');
      expect(viaRefresh.stdout).not.toContain(refreshToken);
    }

    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-sa-'));
    const account = tokens.serviceAccount(dir);
    const google = {
      MAIL_PROVIDER: 'google',
      OAUTH_TOKEN_URL: undefined,
      OAUTH_CLIENT_ID: undefined,
      OAUTH_CLIENT_SECRET: undefined,
      OAUTH_SERVICE_ACCOUNT_FILE: account.file,
    };
    const viaServiceAccount = await runCommand('src/cli/doctor.ts', oauthEnv(google), fixture.dir);
    expect(viaServiceAccount.exitCode, viaServiceAccount.stdout).toBe(0);
    expect(viaServiceAccount.stdout).toContain('(service account (domain-wide delegation) grant)');

    // Delegation granted for another scope: Google's unauthorized_client, said as what to do.
    const narrow = await runCommand(
      'src/cli/doctor.ts',
      oauthEnv({ ...google, OAUTH_SCOPE: 'https://www.googleapis.com/auth/gmail.readonly' }),
      fixture.dir,
    );
    expect(narrow.exitCode).toBe(1);
    expect(narrow.stdout).toContain(
      'FAIL oauth default: service account (domain-wide delegation) grant: OAuth2 token refused',
    );
    expect(narrow.stdout).toContain('domain-wide delegation is missing or lacks the scope');
    expect(narrow.stdout).not.toContain('PRIVATE KEY');
    // Six doctor runs, each a process signing in to IMAP and SMTP: more than a unit test's time.
  }, 120_000);

  it('npm run authorize gives a refresh token that signs in, by device code or by browser', async () => {
    const env = oauthEnv({
      OAUTH_CLIENT_SECRET: undefined,
      OAUTH_DEVICE_AUTHORIZATION_URL: `${tokens.baseUrl}/devicecode`,
      OAUTH_AUTHORIZATION_URL: `${tokens.baseUrl}/authorize`,
    });
    const device = new MailroomProcess('src/cli/authorize.ts', env, fixture.dir, ['--device']);
    await waitFor(() => /enter the code (\w+)/.test(device.stdout), 10_000, 'the device code');
    expect(tokens.approveDevice(/enter the code (\w+)/.exec(device.stdout)![1]!)).toBe(true);
    expect(await device.exited, device.stderr).toBe(0);
    const fromDevice = device.stdout.trim().split('\n').at(-1)!;
    expect(tokens.refreshTokens.has(fromDevice)).toBe(true);

    const browser = new MailroomProcess('src/cli/authorize.ts', env, fixture.dir, ['--browser']);
    await waitFor(() => browser.stdout.includes('/authorize?'), 10_000, 'the sign-in address');
    const address = browser.stdout
      .split('\n')
      .find((line) => line.includes('/authorize?'))!
      .trim();
    expect(new URL(address).searchParams.get('code_challenge_method')).toBe('S256');
    // The browser: the provider signs the person in and sends it back to the local listener.
    const location = await new Promise<string>((resolve, reject) =>
      https
        .get(address, { ca: testCertificate().cert }, (response) => resolve(response.headers.location ?? ''))
        .on('error', reject),
    );
    expect((await fetch(location)).status).toBe(200);
    expect(await browser.exited, browser.stderr).toBe(0);
    const fromBrowser = browser.stdout.trim().split('\n').at(-1)!;
    expect(tokens.refreshTokens.has(fromBrowser)).toBe(true);

    const doctor = await runCommand(
      'src/cli/doctor.ts',
      oauthEnv({ OAUTH_CLIENT_SECRET: undefined, OAUTH_REFRESH_TOKEN: fromBrowser }),
      fixture.dir,
    );
    expect(doctor.exitCode, doctor.stdout).toBe(0);
  }, 60_000);
});
