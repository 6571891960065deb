/**
 * ADMINS (environment, or `admins:` at the top of the MAILROOM_CONFIG file) and the
 * per-mailbox retention period (RETENTION_DAYS, `retentionDays`): read, defaulted to
 * "nobody" and "keep everything", and a bad value named by its key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Env } from '../../src/config/load-config.js';

const VALID: Env = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: 'signing-secret-value',
  SLACK_CHANNEL_ID: 'C0SUPPORT',
  MAILBOX_ADDRESS: 'support@example.com',
  IMAP_HOST: 'imap.example.com',
  IMAP_USER: 'support@example.com',
  IMAP_PASSWORD: 'imap-password-value',
  SMTP_HOST: 'smtp.example.com',
  REVIEWERS: 'U0LEAD1',
};

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'mailroom-privacy-config-'));

describe('ADMINS and RETENTION_DAYS', () => {
  it('default to no admins and keeping everything', () => {
    const result = loadConfig(VALID, dir());
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.admins).toEqual([]);
    expect(result.config.mailboxes[0]!.retentionDays).toBeUndefined();
  });

  it('are read from the environment', () => {
    const result = loadConfig({ ...VALID, ADMINS: 'U0ADMIN1, W0ADMIN2', RETENTION_DAYS: '90' }, dir());
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.admins).toEqual(['U0ADMIN1', 'W0ADMIN2']);
    expect(result.config.mailboxes[0]!.retentionDays).toBe(90);
  });

  it('name each bad key', () => {
    const result = loadConfig({ ...VALID, ADMINS: 'U0ADMIN1,#general', RETENTION_DAYS: 'a month' }, dir());
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
    const cwd = dir();
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
