/**
 * `npm run doctor`: every external thing Mailroom depends on, checked the way the bot will
 * use it, with a sentence a non-developer can act on. Each check is independent, so one
 * failure does not hide the next.
 */
import { existsSync } from 'node:fs';
import { WebClient } from '@slack/web-api';
import type { TAppConfig, TMailboxConfig } from '../config/config-schema.js';
import { closeDbClient, createDbClient, isDatabaseReachable } from '../db/client.js';
import { parseDatabaseUrl, redactDatabaseUrl } from '../db/database-url.js';
import { pendingMigrations } from '../db/migrations.js';
import { createImapClient } from '../mail/imap-connection.js';
import { describeImapError } from '../mail/imap-errors.js';
import { describeSmtpError, verifySmtp } from '../mail/smtp-transport.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

async function checkDatabase(config: TAppConfig): Promise<CheckResult> {
  const target = parseDatabaseUrl(config.databaseUrl)!;
  const where = redactDatabaseUrl(target.url);
  const name = 'database';
  // Opening a missing SQLite file would create it; a typo in DATABASE_URL must show instead.
  if (target.provider === 'sqlite' && !existsSync(target.file)) {
    return { name, ok: true, detail: `${where} does not exist yet; \`npm start\` creates it (check DATABASE_URL if you expected an existing file)` };
  }
  const db = createDbClient(target);
  try {
    if (!(await isDatabaseReachable(db))) {
      return { name, ok: false, detail: `${where} cannot be reached — check DATABASE_URL and that the server is running` };
    }
    const pending = await pendingMigrations(target);
    return pending.length
      ? { name, ok: true, detail: `${where} reachable; ${pending.length} migration(s) pending, applied by \`npm start\` or \`npm run db:migrate\`` }
      : { name, ok: true, detail: `${where} reachable and up to date` };
  } catch (error) {
    return { name, ok: false, detail: `${where}: ${(error as Error).message.split('\n')[0]} — check DATABASE_URL` };
  } finally {
    await closeDbClient(db).catch(() => {});
  }
}

async function checkImap(mailbox: TMailboxConfig): Promise<CheckResult> {
  const name = `imap ${mailbox.key}`;
  const client = createImapClient(mailbox.imap);
  client.on('error', () => {});
  try {
    await client.connect();
    const status = await client.status(mailbox.imap.folder, { messages: true, uidValidity: true });
    return { name, ok: true, detail: `logged in as ${mailbox.imap.user} at ${mailbox.imap.host}; ${mailbox.imap.folder} holds ${(status && status.messages) || 0} message(s)` };
  } catch (error) {
    return { name, ok: false, detail: describeImapError(error, mailbox.imap).message };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

async function checkSmtp(mailbox: TMailboxConfig): Promise<CheckResult> {
  const name = `smtp ${mailbox.key}`;
  const { host, port, user } = mailbox.smtp;
  try {
    await verifySmtp(mailbox.smtp);
    return { name, ok: true, detail: `${host}:${port} accepts ${user ? `login as ${user}` : 'mail without login'}` };
  } catch (error) {
    return { name, ok: false, detail: describeSmtpError(error, mailbox.smtp) };
  }
}

async function checkSlack(config: TAppConfig): Promise<CheckResult[]> {
  const client = new WebClient(config.slack.botToken, { slackApiUrl: config.slack.apiUrl, retryConfig: { retries: 0 }, timeout: 10_000 });
  let team: string;
  try {
    const auth = await client.auth.test();
    team = `${auth.user ?? 'bot'} in ${auth.team ?? 'the workspace'}`;
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    const hint = code === 'invalid_auth' || code === 'not_authed' || code === 'token_revoked' || code === 'account_inactive'
      ? 'the token was refused — copy the Bot User OAuth Token again into SLACK_BOT_TOKEN (reinstall the app if it was revoked)'
      : `${code ?? (error as Error).message} — check SLACK_API_URL and the network`;
    return [{ name: 'slack', ok: false, detail: `auth.test failed: ${hint}` }];
  }
  const results: CheckResult[] = [{ name: 'slack', ok: true, detail: `token works: ${team}` }];
  for (const mailbox of config.mailboxes) {
    const name = `slack channel ${mailbox.key}`;
    try {
      const info = await client.conversations.info({ channel: mailbox.channelId });
      results.push(info.channel?.is_member
        ? { name, ok: true, detail: `the bot is a member of ${mailbox.channelId}` }
        : { name, ok: false, detail: `the bot is not a member of ${mailbox.channelId} — invite it in that channel with /invite @Mailroom` });
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
      results.push({ name, ok: false, detail: `channel ${mailbox.channelId} cannot be read (${code}) — check SLACK_CHANNEL_ID and invite the bot to the channel` });
    }
  }
  return results;
}

/** Runs every check; the results are in a stable order for printing. */
export async function diagnoseSetup(config: TAppConfig): Promise<CheckResult[]> {
  const [database, slack, mail] = await Promise.all([
    checkDatabase(config),
    checkSlack(config),
    Promise.all(config.mailboxes.flatMap((mailbox) => [checkImap(mailbox), checkSmtp(mailbox)])),
  ]);
  const source = config.configFile ? `from ${config.configFile}` : 'from the environment';
  return [{ name: 'configuration', ok: true, detail: `${config.mailboxes.length} mailbox(es) ${source}` }, database, ...slack, ...mail];
}
