/**
 * The world around a running Mailroom in tests: a Slack stand-in with a support channel
 * and users in both languages, a capturing SMTP server, a fresh SQLite file, and the
 * environment that points the bot at all of them and at the run's Dovecot.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DovecotInfo } from './dovecot.js';
import { DOVECOT_PASSWORD } from './dovecot.js';
import { cleanEnv, MailroomProcess } from './mailroom-process.js';
import { freePort } from './net.js';
import { SlackRequests } from './slack-requests.js';
import { SlackStandin } from './slack-standin.js';
import { startSmtpCapture, type SmtpCapture } from './smtp-capture.js';
import { testCertificate } from './test-tls.js';

export const SIGNING_SECRET = 'standin-signing-secret';
export const CHANNEL_ID = 'C0SUPPORT';
export const USERS = {
  agentEn: { id: 'U0AGENTEN', locale: 'en-US', realName: 'Alex Agent Smith', displayName: 'Alex Agent' },
  agentJa: { id: 'U0AGENTJA', locale: 'ja-JP', realName: '佐藤 花子' },
  reviewer: { id: 'U0REVIEWR', locale: 'ja-JP' },
  outsider: { id: 'U0OUTSIDE', locale: 'en-US' },
} as const;
export const SMTP_LOGIN = { user: 'mailer', password: 'smtp-secret' };
/** METRICS_TOKEN of the fixture's bot: /metrics, and /healthz's details, need it. */
export const METRICS_TOKEN = 'test-metrics-token-0123456789';

export interface Fixture {
  dir: string;
  port: number;
  /** METRICS_PORT: /metrics and a detailed /healthz, on 127.0.0.1. */
  metricsPort: number;
  mailbox: string;
  slack: SlackStandin;
  smtp: SmtpCapture;
  requests: SlackRequests;
  env(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startFixture(
  dovecot: DovecotInfo,
  options: { postLimit?: { perSecond: number; burst: number } } = {},
): Promise<Fixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-test-'));
  const slack = await new SlackStandin({
    postLimit: options.postLimit,
    users: Object.values(USERS),
    channels: [
      {
        id: CHANNEL_ID,
        name: 'support',
        members: ['U0MAILBOT', USERS.agentEn.id, USERS.agentJa.id, USERS.reviewer.id],
      },
    ],
  }).start();
  const smtp = await startSmtpCapture(SMTP_LOGIN);
  const port = await freePort();
  const metricsPort = await freePort();
  const mailbox = `support-${randomUUID().slice(0, 8)}@example.test`;
  const requests = new SlackRequests(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, (id) =>
    slack.responseUrl(id),
  );
  return {
    dir,
    port,
    metricsPort,
    mailbox,
    slack,
    smtp,
    requests,
    env: (extra = {}) =>
      cleanEnv({
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        METRICS_TOKEN,
        SLACK_CHANNEL_ID: CHANNEL_ID,
        MAILBOX_ADDRESS: mailbox,
        MAILBOX_NAME: 'Example Support',
        IMAP_HOST: dovecot.host,
        IMAP_PORT: String(dovecot.port),
        // STARTTLS, required, with the test servers' self-signed certificate trusted the
        // standard Node way.
        IMAP_SECURE: 'false',
        NODE_EXTRA_CA_CERTS: testCertificate().certFile,
        IMAP_USER: mailbox,
        IMAP_PASSWORD: DOVECOT_PASSWORD,
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        SMTP_SECURE: 'false',
        SMTP_USER: SMTP_LOGIN.user,
        SMTP_PASSWORD: SMTP_LOGIN.password,
        REVIEWERS: USERS.reviewer.id,
        DATABASE_URL: `file:${path.join(dir, 'data', 'mailroom.db')}`,
        LOG_LEVEL: 'info',
        ...extra,
      }),
    close: async () => {
      await Promise.all([slack.stop(), smtp.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fixture for the whole describe block: started before its tests, closed after them.
 * Returned as a stand-in object that forwards to the fixture once it exists.
 */
export function useFixture(dovecot: DovecotInfo): Fixture {
  let fixture: Fixture | undefined;
  beforeAll(async () => {
    fixture = await startFixture(dovecot);
  });
  afterAll(async () => fixture?.close());
  return new Proxy({} as Fixture, {
    get: (_target, key) => {
      if (!fixture) throw new Error('the fixture is used before beforeAll started it');
      return fixture[key as keyof Fixture];
    },
  });
}

/** Forwards to what `get()` returns once a hook has made it, methods bound to it. */
function later<T extends object>(what: string, get: () => T | undefined): T {
  return new Proxy({} as T, {
    get: (_target, key) => {
      const value = get();
      if (!value) throw new Error(`${what} is used before beforeAll started it`);
      const member = Reflect.get(value, key, value) as unknown;
      return typeof member === 'function' ? member.bind(value) : member;
    },
  });
}

/**
 * Mailroom running on the fixture for the whole describe block (started, connected to
 * IMAP, stopped after), and its SQLite file opened read-only for the tests to look into.
 */
export function useRunningBot(
  fixture: Fixture,
  extraEnv: Record<string, string> = {},
): { bot: MailroomProcess; db: Database.Database } {
  let bot: MailroomProcess | undefined;
  let db: Database.Database | undefined;
  beforeAll(async () => {
    bot = new MailroomProcess('src/main.ts', fixture.env(extraEnv), fixture.dir);
    await bot.waitForLog('started');
    await bot.waitForLog('imap_connected');
    db = new Database(path.join(fixture.dir, 'data', 'mailroom.db'), { readonly: true });
  });
  afterAll(async () => {
    db?.close();
    await bot?.stop();
  });
  return { bot: later('the bot', () => bot), db: later('the database', () => db) };
}
