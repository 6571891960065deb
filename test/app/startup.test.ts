import { readMigrationList } from '../../src/db/migrations.js';
import { createDbClient } from '../../src/db/client.js';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { appendMail, DOVECOT_WRONG_PASSWORD } from '../support/dovecot.js';
import { corpusMail } from '../support/corpus.js';
import { METRICS_TOKEN, startFixture, useFixture, USERS, CHANNEL_ID } from '../support/fixture.js';
import { cleanEnv, MailroomProcess } from '../support/mailroom-process.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot, describeWithPostgres } from '../support/services.js';
import { createScratchDatabase } from '../../src/db/scratch-database.js';

it('npm start without configuration exits 2 and names every missing key', async () => {
  const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-empty-'));
  const run = new MailroomProcess('src/main.ts', cleanEnv(), emptyDir);
  expect(await run.exited).toBe(2);
  for (const key of [
    'SLACK_BOT_TOKEN',
    'SLACK_SIGNING_SECRET',
    'SLACK_CHANNEL_ID',
    'MAILBOX_ADDRESS',
    'IMAP_HOST',
    'IMAP_USER',
    'IMAP_PASSWORD',
    'SMTP_HOST',
    'REVIEWERS',
  ]) {
    expect(run.stderr).toMatch(new RegExp(`^  ${key}: `, 'm'));
  }
});

it('a secret in the wrong variable is named but never printed', async () => {
  const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-empty-'));
  const run = new MailroomProcess(
    'src/main.ts',
    cleanEnv({ SLACK_BOT_TOKEN: 'xoxp-user-token-do-not-print', IMAP_PASSWORD: 'hunter2-do-not-print' }),
    emptyDir,
  );
  expect(await run.exited).toBe(2);
  expect(run.stderr).toMatch(/SLACK_BOT_TOKEN: invalid; expected a bot token starting with xoxb-/);
  expect(run.stderr + run.stdout).not.toContain('do-not-print');
});

describeWithDovecot('a configured Mailroom', (dovecot) => {
  const fixture = useFixture(dovecot);
  let bot: MailroomProcess | undefined;
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
  });

  /** /healthz with its details: the caller presents METRICS_TOKEN. */
  async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`http://127.0.0.1:${fixture.port}/healthz`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function startBot(extra: Record<string, string | undefined> = {}): Promise<MailroomProcess> {
    bot = new MailroomProcess('src/main.ts', fixture.env(extra), fixture.dir);
    await bot.waitForLog('started');
    return bot;
  }

  it('starts, migrates its SQLite file with WAL on, reports healthy, and exits 0 on SIGTERM', async () => {
    const run = await startBot();
    await waitFor(async () => (await health()).status === 200, 15_000, 'healthz 200');
    const { body } = await health();
    expect(body).toMatchObject({ healthy: true, database: 'ok', mailboxes: [{ key: 'default', imap: 'connected' }] });
    // Anyone else who can reach Slack's endpoint learns ok or not ok, nothing more.
    const anonymous = await fetch(`http://127.0.0.1:${fixture.port}/healthz`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ healthy: true });
    const wrong = await fetch(`http://127.0.0.1:${fixture.port}/healthz`, {
      headers: { authorization: 'Bearer not-the-token-at-all-xx' },
    });
    expect(await wrong.json()).toEqual({ healthy: true });

    const dbFile = path.join(fixture.dir, 'data', 'mailroom.db');
    const db = new Database(dbFile, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const mailbox = db.prepare('SELECT key, address, channelId FROM Mailbox').get();
    expect(mailbox).toEqual({ key: 'default', address: fixture.mailbox, channelId: CHANNEL_ID });
    db.close();

    expect(fixture.slack.callsOf('auth.test').length).toBeGreaterThan(0);
    expect(await run.stop('SIGTERM')).toBe(0);
  });

  it('answers /mail help in the user’s language, only to that user', async () => {
    await startBot();
    const ja = await fixture.requests.command({ text: 'help', userId: USERS.agentJa.id, channelId: CHANNEL_ID });
    const en = await fixture.requests.command({ text: '', userId: USERS.agentEn.id, channelId: CHANNEL_ID });
    expect(ja.status).toBe(200);
    expect(en.status).toBe(200);
    await waitFor(() => fixture.slack.responses.length >= 2, 5_000, 'two responses');
    const answerJa = fixture.slack.responses.find((response) => response.id === ja.responseId)!.body;
    const answerEn = fixture.slack.responses.find((response) => response.id === en.responseId)!.body;
    expect(answerJa.response_type).toBe('ephemeral');
    expect(JSON.stringify(answerJa.blocks)).toContain('コマンド');
    expect(JSON.stringify(answerJa.blocks)).toContain(`<#${CHANNEL_ID}>`);
    expect(JSON.stringify(answerEn.blocks)).toContain('Commands');
    expect(JSON.stringify(answerEn.blocks)).not.toContain('コマンド');
  });

  it('refuses a request with a forged signature and answers nothing', async () => {
    await startBot();
    const before = fixture.slack.responses.length;
    const forged = await fixture.requests.command(
      { text: 'help', userId: USERS.agentEn.id, channelId: CHANNEL_ID },
      { secret: 'not-the-secret' },
    );
    const stale = await fixture.requests.command(
      { text: 'help', userId: USERS.agentEn.id, channelId: CHANNEL_ID },
      { timestamp: Math.floor(Date.now() / 1000) - 60 * 10 },
    );
    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fixture.slack.responses.length).toBe(before);
  });

  it('publishes the Home tab in the user’s language', async () => {
    await startBot();
    const response = await fixture.requests.event({
      type: 'app_home_opened',
      user: USERS.agentJa.id,
      channel: 'D0HOME',
      tab: 'home',
      event_ts: String(Date.now() / 1000),
    });
    expect(response.status).toBe(200);
    await waitFor(() => fixture.slack.callsOf('views.publish').some((call) => !call.error), 5_000, 'views.publish');
    const publish = fixture.slack.callsOf('views.publish').find((call) => !call.error)!;
    expect(publish.args.user_id).toBe(USERS.agentJa.id);
    expect(JSON.stringify(publish.args.view)).toContain('共有メールボックス');
  });

  it('runs in Socket Mode when SLACK_APP_TOKEN is set: /mail help arrives over the socket, /healthz still answers', async () => {
    await startBot({ SLACK_APP_TOKEN: fixture.slack.appToken, SLACK_SIGNING_SECRET: undefined, LOG_LEVEL: 'debug' });
    await waitFor(() => fixture.slack.sockets.length > 0, 10_000, 'a Socket Mode connection');
    expect(fixture.slack.callsOf('apps.connections.open').some((call) => !call.error)).toBe(true);
    const { fields, responseId } = fixture.requests.commandPayload({
      text: 'help',
      userId: USERS.agentJa.id,
      channelId: CHANNEL_ID,
    });
    await fixture.slack.sendEnvelope('slash_commands', fields);
    const answer = await fixture.slack.answerTo(responseId, 'the help answer');
    expect(JSON.stringify(answer.blocks)).toContain('コマンド');
    await waitFor(async () => (await health()).status === 200, 15_000, 'healthz 200 in Socket Mode');
    // Even at debug level, where the Web API client logs whole responses: no token, no ticket.
    const output = bot!.stdout + bot!.stderr;
    expect(output).toContain('apps.connections.open');
    expect(output).not.toContain(fixture.slack.botToken);
    expect(output).not.toContain(fixture.slack.appToken);
    expect(output).not.toContain('standin-ticket-');
  });

  it('exits 0 on SIGINT too', async () => {
    const run = await startBot();
    expect(await run.stop('SIGINT')).toBe(0);
  });

  it('reports unhealthy with the reason when the IMAP login is refused, and keeps running', async () => {
    await startBot({ IMAP_PASSWORD: DOVECOT_WRONG_PASSWORD });
    await waitFor(
      async () => ((await health()).body.mailboxes as { problem?: string }[])[0]?.problem === 'auth_failed',
      15_000,
      'auth_failed',
    );
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body).toMatchObject({
      healthy: false,
      database: 'ok',
      mailboxes: [{ imap: expect.stringMatching(/disconnected|connecting/), problem: 'auth_failed' }],
    });
    const logged = bot!.logLines.find((line) => line.code === 'imap_auth_failed');
    expect(logged?.msg).toMatch(/authentication rejected — check IMAP_USER and IMAP_PASSWORD/);
    expect(bot!.stdout).not.toContain(DOVECOT_WRONG_PASSWORD);
    expect(bot!.exitCode).toBeNull();
  });
});

describeWithDovecot('Mailroom on PostgreSQL', (dovecot) => {
  describeWithPostgres('with DATABASE_URL=postgresql://…', (adminUrl) => {
    it('migrates the empty database on start, reports healthy, and posts mail from it', async () => {
      const fixture = await startFixture(dovecot);
      const database = await createScratchDatabase('postgresql', adminUrl);
      // A server in Tokyo: times must still be stored as UTC, as Prisma reads them.
      const bot = new MailroomProcess(
        'src/main.ts',
        fixture.env({ DATABASE_URL: database.url, TZ: 'Asia/Tokyo' }),
        fixture.dir,
      );
      try {
        const migrated = await bot.waitForLog('db_migrated');
        expect(migrated.applied).toEqual(readMigrationList('postgresql').migrationDirectories.map((dir) => dir.path));
        await bot.waitForLog('started');
        await waitFor(
          async () => (await fetch(`http://127.0.0.1:${fixture.port}/healthz`)).status === 200,
          15_000,
          'healthz 200',
        );
        await appendMail(dovecot, fixture.mailbox, [corpusMail('mikel-mail/multi_charset/japanese_shift_jis.eml')]);
        await waitFor(() => fixture.slack.posted(CHANNEL_ID).length === 1, 15_000, 'the ticket');
        expect(JSON.stringify(fixture.slack.posted(CHANNEL_ID)[0]!.blocks)).toContain(
          'このメールはテスト用のメールです。',
        );
        const db = createDbClient(database.target);
        try {
          const message = await db.message.findFirstOrThrow({ select: { receivedAt: true, createdAt: true } });
          const mailbox = await db.mailbox.findFirstOrThrow({ select: { lastSyncAt: true } });
          for (const stamp of [message.receivedAt, message.createdAt, mailbox.lastSyncAt!])
            expect(Math.abs(Date.now() - stamp.getTime())).toBeLessThan(5 * 60_000);
        } finally {
          await db.$disconnect();
        }
      } finally {
        expect(await bot.stop()).toBe(0);
        await database.drop();
        await fixture.close();
      }
    });
  });
});
