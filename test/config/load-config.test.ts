import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readEnvironment, type Env } from '../../src/config/load-config.js';

const VALID: Env = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: 'signing-secret-value',
  SLACK_CHANNEL_ID: 'C0SUPPORT',
  MAILBOX_ADDRESS: 'support@example.com',
  IMAP_HOST: 'imap.example.com',
  IMAP_USER: 'support@example.com',
  IMAP_PASSWORD: 'imap-password-value',
  SMTP_HOST: 'smtp.example.com',
  REVIEWERS: 'U0LEAD1, U0LEAD2',
};

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'mailroom-config-'));
}

function problemsOf(env: Env, cwd = tempDir()): string[] {
  const result = loadConfig(env, cwd);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('configuration from the environment', () => {
  it('applies the documented defaults', () => {
    const result = loadConfig(VALID, '/srv/mailroom');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { config } = result;
    expect(config.slack).toMatchObject({ apiUrl: 'https://slack.com/api/', port: 3000 });
    expect(config.databaseUrl).toBe('file:./data/mailroom.db');
    expect(config.locale).toBe('en');
    expect(config.mailboxes).toEqual([
      expect.objectContaining({
        key: 'default',
        name: 'support@example.com',
        locale: 'en',
        reviewers: ['U0LEAD1', 'U0LEAD2'],
        reviewPolicy: 'all',
        provider: 'generic',
        auth: { type: 'password' },
        sentCopy: 'append',
        imap: {
          host: 'imap.example.com',
          port: 993,
          secure: true,
          tls: 'required',
          user: 'support@example.com',
          password: 'imap-password-value',
          folder: 'INBOX',
          backfillDays: 0,
          maxMailMb: 50,
          sweepSeconds: 60,
        },
        smtp: expect.objectContaining({ host: 'smtp.example.com', port: 465, secure: true, tls: 'required' }),
      }),
    ]);
  });

  it('reads ports and flags as people write them', () => {
    const result = loadConfig({
      ...VALID,
      IMAP_PORT: '143',
      IMAP_SECURE: 'no',
      SMTP_PORT: '587',
      SMTP_SECURE: 'FALSE',
      LOCALE: 'ja',
      PORT: '8080',
    });
    expect(result.ok && result.config.mailboxes[0]).toMatchObject({
      locale: 'ja',
      imap: { port: 143, secure: false },
      smtp: { port: 587, secure: false },
    });
    expect(result.ok && result.config.slack.port).toBe(8080);
  });

  it('lists every bad key at once, one line each, without echoing values', () => {
    const problems = problemsOf({
      ...VALID,
      SLACK_BOT_TOKEN: 'xoxp-a-user-token',
      IMAP_PORT: 'nine-nine-three',
      SMTP_SECURE: 'maybe',
      REVIEW_POLICY: 'sometimes',
      DATABASE_URL: 'mysql://db/mailroom',
      SLACK_CHANNEL_ID: '#support',
    });
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual(
      ['DATABASE_URL', 'IMAP_PORT', 'REVIEW_POLICY', 'SLACK_BOT_TOKEN', 'SLACK_CHANNEL_ID', 'SMTP_SECURE'].sort(),
    );
    expect(problems.join('\n')).not.toMatch(/xoxp-a-user-token|nine-nine-three|maybe|sometimes|mysql:/);
    expect(problems.find((line) => line.startsWith('SLACK_CHANNEL_ID'))).toMatch(
      /expected a channel ID such as C0123ABCD/,
    );
  });

  it('requires reviewers while every reply needs approval, and not when review is off', () => {
    const withoutReviewers = { ...VALID, REVIEWERS: undefined };
    expect(problemsOf(withoutReviewers)).toEqual([
      expect.stringMatching(/^REVIEWERS: empty while the review policy is all/),
    ]);
    expect(loadConfig({ ...withoutReviewers, REVIEW_POLICY: 'none' }).ok).toBe(true);
  });

  it('needs the signing secret only in HTTP mode', () => {
    const socketMode = { ...VALID, SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: 'xapp-1-abc' };
    expect(loadConfig(socketMode).ok).toBe(true);
    expect(problemsOf({ ...VALID, SLACK_SIGNING_SECRET: undefined })).toEqual([
      expect.stringMatching(/^SLACK_SIGNING_SECRET: missing/),
    ]);
  });

  it('accepts PostgreSQL URLs', () => {
    expect(loadConfig({ ...VALID, DATABASE_URL: 'postgresql://mailroom:pw@db.internal:5432/mailroom' }).ok).toBe(true);
  });
});

describe('.env', () => {
  it('is read from the working directory, and the real environment wins', () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, '.env'),
      'IMAP_HOST=from-dotenv.example.com\nSMTP_HOST=smtp-from-dotenv.example.com\nLOCALE=\n',
    );
    const env = readEnvironment({ IMAP_HOST: 'from-env.example.com' }, dir);
    expect(env.IMAP_HOST).toBe('from-env.example.com');
    expect(env.SMTP_HOST).toBe('smtp-from-dotenv.example.com');
    expect('LOCALE' in env).toBe(false);
  });
});

describe('MAILROOM_CONFIG with several mailboxes', () => {
  const slackOnly: Env = {
    SLACK_BOT_TOKEN: VALID.SLACK_BOT_TOKEN,
    SLACK_SIGNING_SECRET: VALID.SLACK_SIGNING_SECRET,
    LOCALE: 'ja',
  };

  it('gives each mailbox its own channel, servers, reviewers, policy and locale; ${VAR} pulls secrets from the environment', () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'mailroom.yml'),
      `defaults:
  smtp: { host: smtp.example.com, port: 587, secure: false, user: relay, password: "\${SMTP_RELAY_PASSWORD}" }
mailboxes:
  - key: support
    address: support@example.com
    name: サポート
    channel: C0SUPPORT
    imap: { host: imap.example.com, user: support@example.com, password: "\${SUPPORT_IMAP_PASSWORD}" }
    reviewers: [U0LEAD1]
  - key: sales
    address: sales@example.com
    channel: C0SALES
    locale: en
    imap: { host: imap.example.com, user: sales@example.com, password: sales-pw, folder: Sales }
    reviewPolicy: none
`,
    );
    const result = loadConfig(
      {
        ...slackOnly,
        MAILROOM_CONFIG: 'mailroom.yml',
        SUPPORT_IMAP_PASSWORD: 's3cret',
        SMTP_RELAY_PASSWORD: 'relay-pw',
      },
      dir,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [support, sales] = result.config.mailboxes;
    expect(support).toMatchObject({
      key: 'support',
      name: 'サポート',
      channelId: 'C0SUPPORT',
      locale: 'ja',
      reviewers: ['U0LEAD1'],
      reviewPolicy: 'all',
      imap: { password: 's3cret', folder: 'INBOX' },
      smtp: { port: 587, password: 'relay-pw' },
    });
    expect(sales).toMatchObject({
      key: 'sales',
      name: 'sales@example.com',
      channelId: 'C0SALES',
      locale: 'en',
      reviewers: [],
      reviewPolicy: 'none',
      imap: { folder: 'Sales' },
    });
  });

  it('names bad keys by mailbox and file, including unset ${VAR}s and duplicate keys', () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'boxes.json'),
      JSON.stringify({
        mailboxes: [
          {
            key: 'support',
            address: 'support@example.com',
            channel: 'C0SUPPORT',
            imap: { host: 'imap', user: 'u', password: '${MISSING_SECRET}' },
            smtp: { host: 'smtp' },
            reviewPolicy: 'none',
          },
          {
            key: 'support',
            address: 'not-an-address',
            channel: 'C0OTHER',
            imap: { user: 'u', password: 'p' },
            smtp: { host: 'smtp' },
            reviewPolicy: 'none',
          },
        ],
      }),
    );
    const problems = problemsOf({ ...slackOnly, MAILROOM_CONFIG: 'boxes.json' }, dir);
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        'boxes.json mailboxes[0].imap.password: refers to ${MISSING_SECRET}, which is not set in the environment',
        expect.stringMatching(/^boxes\.json mailboxes\[1\]\.address: invalid; expected the support address/),
        expect.stringMatching(/^boxes\.json mailboxes\[1\]\.imap\.host: missing/),
        expect.stringMatching(/^MAILROOM_CONFIG: mailbox key "support" is used more than once/),
      ]),
    );
  });

  it('says so when the file is missing', () => {
    expect(problemsOf({ ...slackOnly, MAILROOM_CONFIG: 'nowhere.yml' })).toEqual([
      expect.stringMatching(/^MAILROOM_CONFIG: .*nowhere\.yml file not found/),
    ]);
  });

  it('takes the sweep interval from IMAP_SWEEP_SECONDS or imap.sweepSeconds, and names a bad one', () => {
    const fromEnv = loadConfig({ ...VALID, IMAP_SWEEP_SECONDS: '5' }, tempDir());
    expect(fromEnv.ok && fromEnv.config.mailboxes[0]!.imap.sweepSeconds).toBe(5);
    expect(problemsOf({ ...VALID, IMAP_SWEEP_SECONDS: '1' })).toEqual([
      expect.stringMatching(/^IMAP_SWEEP_SECONDS: invalid; expected a number of seconds \(2 to 3600, default 60\)/),
    ]);
    expect(problemsOf({ ...VALID, IMAP_SWEEP_SECONDS: 'often' })).toEqual([
      expect.stringMatching(/^IMAP_SWEEP_SECONDS: invalid/),
    ]);
    const dir = tempDir();
    const box = (key: string, sweepSeconds: unknown) => ({
      key,
      address: `${key}@example.com`,
      channel: 'C0SUPPORT',
      imap: { host: 'imap', user: 'u', password: 'p', sweepSeconds },
      smtp: { host: 'smtp' },
      reviewPolicy: 'none',
    });
    writeFileSync(path.join(dir, 'boxes.json'), JSON.stringify({ mailboxes: [box('cyrus', 10), box('other', 7200)] }));
    expect(problemsOf({ ...slackOnly, MAILROOM_CONFIG: 'boxes.json' }, dir)).toEqual([
      expect.stringMatching(/^boxes\.json mailboxes\[1\]\.imap\.sweepSeconds: invalid; expected a number of seconds/),
    ]);
    writeFileSync(
      path.join(dir, 'ok.json'),
      JSON.stringify({ mailboxes: [box('cyrus', 10), box('other', undefined)] }),
    );
    const fromFile = loadConfig({ ...slackOnly, MAILROOM_CONFIG: 'ok.json' }, dir);
    expect(fromFile.ok && fromFile.config.mailboxes.map((mailbox) => mailbox.imap.sweepSeconds)).toEqual([10, 60]);
  });
});

describe('SMTP login', () => {
  it('needs user and password together, or neither', () => {
    expect(loadConfig({ ...VALID, SMTP_USER: 'relay' }).ok).toBe(false);
    expect(problemsOf({ ...VALID, SMTP_USER: 'relay' })).toEqual([
      expect.stringMatching(/^SMTP_PASSWORD: SMTP_USER and SMTP_PASSWORD must be set together/),
    ]);
    expect(loadConfig({ ...VALID, SMTP_USER: 'relay', SMTP_PASSWORD: 'pw' }).ok).toBe(true);
  });
});

describe('routing rules in the mailbox file', () => {
  it('are read with the mailbox and refused with the rule named when wrong', () => {
    const dir = tempDir();
    const write = (routing: unknown) =>
      writeFileSync(
        path.join(dir, 'boxes.json'),
        JSON.stringify({
          mailboxes: [
            {
              key: 'support',
              address: 'support@example.com',
              channel: 'C0SUPPORT',
              imap: { host: 'imap', user: 'u', password: 'p' },
              smtp: { host: 'smtp' },
              reviewPolicy: 'none',
              routing,
            },
          ],
        }),
      );
    const env = { SLACK_BOT_TOKEN: VALID.SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: 'x', MAILROOM_CONFIG: 'boxes.json' };
    write([{ name: 'VIP', when: { fromDomain: 'bigclient.co.jp' }, then: { urgency: 'critical' } }]);
    const result = loadConfig(env, dir);
    expect(result.ok && result.config.mailboxes[0]!.routing).toEqual([
      { name: 'VIP', when: { fromDomain: 'bigclient.co.jp' }, then: { urgency: 'critical' } },
    ]);
    write([{ name: 'VIP', when: { fromDomain: 'bigclient.co.jp' }, then: { urgency: 'asap' } }]);
    expect(problemsOf(env, dir)).toEqual([
      expect.stringMatching(
        /^boxes\.json mailboxes\[0\]\.routing: entry 1 \(then\.urgency\) is invalid; expected a list of rules/,
      ),
    ]);
  });
});

describe('signatures and aliases', () => {
  it('reads SIGNATURE (\\n a line break), SIGNATURE_FILE and ALIASES for the mailbox of the environment', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'signature.txt'), '--\r\n{{agent_name}}\r\n{{mailbox_name}}\r\n');
    const fromText = loadConfig(
      { ...VALID, SIGNATURE: '{{agent_name}}\\nExample', ALIASES: 'billing@example.com, info@example.com' },
      dir,
    );
    expect(fromText.ok && fromText.config.mailboxes[0]).toMatchObject({
      signature: '{{agent_name}}\nExample',
      aliases: ['billing@example.com', 'info@example.com'],
    });
    const fromFile = loadConfig({ ...VALID, SIGNATURE_FILE: 'signature.txt' }, dir);
    expect(fromFile.ok && fromFile.config.mailboxes[0]).toMatchObject({
      signature: '--\n{{agent_name}}\n{{mailbox_name}}',
      aliases: [],
    });
  });

  it('names every bad key: an alias that is no address, a missing file, both kinds of signature, a bad user id', () => {
    expect(problemsOf({ ...VALID, ALIASES: 'billing@example.com, billing', SIGNATURE_FILE: 'nowhere.txt' })).toEqual([
      expect.stringMatching(/^ALIASES: entry 2 is invalid; expected more addresses/),
      expect.stringMatching(/^SIGNATURE_FILE: nowhere\.txt file not found; expected a readable UTF-8 text file/),
    ]);
    expect(problemsOf({ ...VALID, SIGNATURE: 'x', SIGNATURE_FILE: 'nowhere.txt' })).toEqual([
      expect.stringMatching(/^SIGNATURE_FILE: set together with SIGNATURE/),
    ]);
    expect(problemsOf({ ...VALID, SIGNATURE: 'x'.repeat(1_001) })).toEqual([
      expect.stringMatching(/^SIGNATURE: invalid; expected the text put below every reply, up to 1,000 characters/),
    ]);
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'boxes.json'),
      JSON.stringify({
        mailboxes: [
          {
            key: 'support',
            address: 'support@example.com',
            channel: 'C0SUPPORT',
            imap: { host: 'imap', user: 'u', password: 'p' },
            smtp: { host: 'smtp' },
            reviewPolicy: 'none',
            signature: 'Support team',
            agentSignatures: { U0AGENT1: '{{agent_name}}, support', lead: 'x' },
            aliases: ['billing@example.com'],
          },
        ],
      }),
    );
    const env = { SLACK_BOT_TOKEN: VALID.SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: 'x', MAILROOM_CONFIG: 'boxes.json' };
    expect(problemsOf(env, dir)).toEqual([expect.stringMatching(/^boxes\.json mailboxes\[0\]\.agentSignatures/)]);
  });
});

describe('custom statuses in the mailbox file', () => {
  it('are read with both labels and a category, and a bad entry is named', () => {
    const dir = tempDir();
    const write = (statuses: unknown) =>
      writeFileSync(
        path.join(dir, 'boxes.json'),
        JSON.stringify({
          mailboxes: [
            {
              key: 'support',
              address: 'support@example.com',
              channel: 'C0SUPPORT',
              imap: { host: 'imap', user: 'u', password: 'p' },
              smtp: { host: 'smtp' },
              reviewPolicy: 'none',
              statuses,
            },
          ],
        }),
      );
    const env = { SLACK_BOT_TOKEN: VALID.SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: 'x', MAILROOM_CONFIG: 'boxes.json' };
    write([{ key: 'waiting_customer', ja: '顧客の返事待ち', en: 'Waiting for the customer', category: 'pending' }]);
    const result = loadConfig(env, dir);
    expect(result.ok && result.config.mailboxes[0]!.statuses).toEqual([
      { key: 'waiting_customer', ja: '顧客の返事待ち', en: 'Waiting for the customer', category: 'pending' },
    ]);
    // A built-in key cannot be redefined; the category must be one numbers understand.
    write([{ key: 'done', ja: '完了', en: 'Done', category: 'finished' }]);
    expect(problemsOf(env, dir)).toEqual([
      expect.stringMatching(
        /^boxes\.json mailboxes\[0\]\.statuses: entry 1 \(key\) is invalid; expected a list of \{ key/,
      ),
    ]);
  });
});

describe('mail providers, OAuth2 and TLS settings', () => {
  const { IMAP_HOST: _imapHost, SMTP_HOST: _smtpHost, IMAP_PASSWORD: _password, ...withoutServers } = VALID;

  it('fills servers, ports, TLS and the Sent-copy policy from MAIL_PROVIDER, and keeps what is set by hand', () => {
    const microsoft = loadConfig({
      ...withoutServers,
      MAIL_PROVIDER: 'microsoft365',
      MAIL_AUTH: 'oauth2',
      OAUTH_TENANT_ID: 'contoso.onmicrosoft.com',
      OAUTH_CLIENT_ID: 'app-id',
      OAUTH_CLIENT_SECRET: 's3cret',
    });
    expect(microsoft.ok, JSON.stringify(!microsoft.ok && microsoft.problems)).toBe(true);
    const box = microsoft.ok ? microsoft.config.mailboxes[0]! : undefined;
    expect(box).toMatchObject({
      sentCopy: 'never',
      imap: { host: 'outlook.office365.com', port: 993, secure: true, tls: 'required' },
      smtp: { host: 'smtp.office365.com', port: 587, secure: false, tls: 'required', user: 'support@example.com' },
    });
    expect(box?.imap.oauth).toEqual({
      provider: 'microsoft365',
      tokenUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
      grant: {
        kind: 'client_credentials',
        clientId: 'app-id',
        clientSecret: 's3cret',
        scope: 'https://outlook.office365.com/.default',
      },
      authorizationUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize',
      deviceAuthorizationUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode',
    });
    // IMAP and SMTP share one token source.
    expect(box?.smtp.oauth).toBe(box?.imap.oauth);

    const google = loadConfig({
      ...withoutServers,
      MAIL_PROVIDER: 'google',
      MAIL_AUTH: 'oauth2',
      OAUTH_CLIENT_ID: 'client',
      OAUTH_REFRESH_TOKEN: 'rt',
      IMAP_PORT: '1993',
      SENT_COPY: 'append',
    });
    expect(google.ok && google.config.mailboxes[0]).toMatchObject({
      sentCopy: 'append',
      imap: {
        host: 'imap.gmail.com',
        port: 1993,
        oauth: {
          tokenUrl: 'https://oauth2.googleapis.com/token',
          grant: { kind: 'refresh_token', scope: 'https://mail.google.com/' },
        },
      },
      smtp: { host: 'smtp.gmail.com', port: 465, secure: true },
    });
    // A generic server keeps no copy of its own: one is appended, as before.
    expect(
      loadConfig(VALID).ok &&
        (loadConfig(VALID) as { config: { mailboxes: { sentCopy: string }[] } }).config.mailboxes[0]!.sentCopy,
    ).toBe('append');
  });

  it('names every OAuth2 key that is missing, and needs no password with OAuth2', () => {
    const problems = problemsOf({
      ...VALID,
      IMAP_PASSWORD: undefined,
      MAIL_AUTH: 'oauth2',
      MAIL_PROVIDER: 'microsoft365',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^OAUTH_CLIENT_ID: missing; expected the Application \(client\) ID/),
      expect.stringMatching(
        /^OAUTH_CLIENT_SECRET: missing: client credentials need the client secret \(or set OAUTH_REFRESH_TOKEN/,
      ),
      expect.stringMatching(/^OAUTH_TENANT_ID: missing; expected the Microsoft Entra tenant/),
    ]);
    expect(
      problemsOf({
        ...VALID,
        IMAP_PASSWORD: undefined,
        MAIL_AUTH: 'oauth2',
        OAUTH_CLIENT_ID: 'id',
        OAUTH_CLIENT_SECRET: 'x',
      }),
    ).toEqual([
      expect.stringMatching(/^OAUTH_TOKEN_URL: missing; expected the identity provider's https token endpoint/),
    ]);
    expect(problemsOf({ ...VALID, IMAP_PASSWORD: undefined })).toEqual([
      expect.stringMatching(
        /^IMAP_PASSWORD: missing; expected the IMAP password or app password \(or MAIL_AUTH=oauth2/,
      ),
    ]);
  });

  it('refuses a token endpoint without TLS, an unknown provider or TLS mode, and a missing key file, without echoing values', () => {
    const problems = problemsOf({
      ...VALID,
      MAIL_AUTH: 'oauth2',
      MAIL_PROVIDER: 'yahoo',
      OAUTH_TOKEN_URL: 'http://idp.example.com/token',
      OAUTH_CLIENT_ID: 'id',
      OAUTH_CLIENT_SECRET: 'hush-hush',
      IMAP_TLS: 'off',
      SENT_COPY: 'sometimes',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^MAIL_PROVIDER: invalid; expected generic \(the default\), google or microsoft365/),
        expect.stringMatching(/^OAUTH_TOKEN_URL: invalid; expected the identity provider's https token endpoint/),
        expect.stringMatching(/^IMAP_TLS: invalid; expected none, only for a server on the same machine/),
        expect.stringMatching(/^SENT_COPY: invalid; expected auto/),
      ]),
    );
    expect(problems.join('\n')).not.toMatch(/hush-hush|idp\.example\.com/);

    const missingFile = problemsOf({
      ...VALID,
      MAIL_AUTH: 'oauth2',
      MAIL_PROVIDER: 'google',
      OAUTH_SERVICE_ACCOUNT_FILE: 'no-such-key.json',
    });
    expect(missingFile).toEqual([
      expect.stringMatching(
        /^OAUTH_SERVICE_ACCOUNT_FILE: no-such-key\.json file not found; expected the path of a Google service account key file/,
      ),
    ]);
  });

  it('reads OAuth2 and TLS settings of each mailbox from the MAILROOM_CONFIG file', () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'mailboxes.yaml'),
      `mailboxes:
  - key: support
    address: support@example.com
    channel: C0SUPPORT
    provider: microsoft365
    auth: { type: oauth2, tenantId: contoso.onmicrosoft.com, clientId: app-id, clientSecret: "\${M365_SECRET}" }
    imap: { user: support@example.com }
    smtp: { tls: none, host: 127.0.0.1, port: 25 }
    reviewPolicy: none
`,
    );
    const result = loadConfig(
      {
        SLACK_BOT_TOKEN: VALID.SLACK_BOT_TOKEN,
        SLACK_SIGNING_SECRET: 's',
        MAILROOM_CONFIG: 'mailboxes.yaml',
        M365_SECRET: 'from-env',
      },
      dir,
    );
    expect(result.ok, JSON.stringify(!result.ok && result.problems)).toBe(true);
    expect(result.ok && result.config.mailboxes[0]).toMatchObject({
      imap: {
        host: 'outlook.office365.com',
        oauth: { grant: { kind: 'client_credentials', clientSecret: 'from-env' } },
      },
      smtp: { host: '127.0.0.1', port: 25, tls: 'none', secure: false },
    });
    const bad = problemsOf(
      { SLACK_BOT_TOKEN: VALID.SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: 's', MAILROOM_CONFIG: 'mailboxes.yaml' },
      dir,
    );
    expect(bad).toEqual([expect.stringMatching(/M365_SECRET/)]);
  });
});

describe('holidays in the configuration', () => {
  it("counts Japan's holidays for a Tokyo mailbox unless told otherwise, and reads closing days", () => {
    const tokyoBox = loadConfig({
      ...VALID,
      BUSINESS_TIME_ZONE: 'Asia/Tokyo',
      CLOSED_DAYS: '12-29..01-03, 2027-08-13',
    });
    if (!tokyoBox.ok) throw new Error(tokyoBox.problems.join('\n'));
    expect(tokyoBox.config.mailboxes[0]!.businessHours).toMatchObject({
      holidays: 'jp',
      closedDays: ['12-29..01-03', '2027-08-13'],
    });
    const elsewhere = loadConfig({ ...VALID, BUSINESS_TIME_ZONE: 'Europe/Berlin' });
    if (!elsewhere.ok) throw new Error(elsewhere.problems.join('\n'));
    expect(elsewhere.config.mailboxes[0]!.businessHours).toMatchObject({ holidays: 'none', closedDays: [] });
    const off = loadConfig({ ...VALID, BUSINESS_TIME_ZONE: 'Asia/Tokyo', HOLIDAYS: 'none' });
    if (!off.ok) throw new Error(off.problems.join('\n'));
    expect(off.config.mailboxes[0]!.businessHours.holidays).toBe('none');
  });

  it('names the bad keys', () => {
    const result = loadConfig({ ...VALID, HOLIDAYS: 'us', CLOSED_DAYS: '29 Dec' });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map((line) => line.split(':')[0]).sort()).toEqual(['CLOSED_DAYS', 'HOLIDAYS']);
  });
});

/**
 * ADMINS (environment, or `admins:` at the top of the MAILROOM_CONFIG file) and the
 * per-mailbox retention period (RETENTION_DAYS, `retentionDays`): read, defaulted to
 * "nobody" and "keep everything", and a bad value named by its key.
 */
describe('ADMINS and RETENTION_DAYS', () => {
  it('default to no admins and keeping everything', () => {
    const result = loadConfig(VALID, tempDir());
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.admins).toEqual([]);
    expect(result.config.mailboxes[0]!.retentionDays).toBeUndefined();
  });

  it('are read from the environment', () => {
    const result = loadConfig({ ...VALID, ADMINS: 'U0ADMIN1, W0ADMIN2', RETENTION_DAYS: '90' }, tempDir());
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.admins).toEqual(['U0ADMIN1', 'W0ADMIN2']);
    expect(result.config.mailboxes[0]!.retentionDays).toBe(90);
  });

  it('name each bad key', () => {
    const result = loadConfig({ ...VALID, ADMINS: 'U0ADMIN1,#general', RETENTION_DAYS: 'a month' }, tempDir());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ADMINS: entry 2 is invalid; expected Slack user IDs/),
        expect.stringMatching(/^RETENTION_DAYS: invalid; expected a whole number of days/),
      ]),
    );
  });

  it('come from the MAILROOM_CONFIG file: admins at its top, retentionDays per mailbox', () => {
    const cwd = tempDir();
    const mailbox = (key: string, extra: string) =>
      `  - key: ${key}\n    address: ${key}@example.com\n    channel: C0${key.toUpperCase()}\n    reviewPolicy: none\n    imap: { host: imap.example.com, user: ${key}@example.com, password: pw }\n    smtp: { host: smtp.example.com }\n${extra}`;
    writeFileSync(
      path.join(cwd, 'mailroom.yml'),
      `admins: [U0ADMIN1]\nmailboxes:\n${mailbox('support', '    retentionDays: 365\n')}${mailbox('sales', '')}`,
    );
    const { REVIEWERS: _, ...env } = VALID;
    const result = loadConfig({ ...env, MAILROOM_CONFIG: 'mailroom.yml' }, cwd);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.admins).toEqual(['U0ADMIN1']);
    expect(result.config.mailboxes.map((each) => each.retentionDays)).toEqual([365, undefined]);
  });
});
