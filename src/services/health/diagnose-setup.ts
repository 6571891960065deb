/**
 * `npm run doctor`: every external thing Mailroom depends on, checked the way the bot will
 * use it, with a sentence a non-developer can act on. Each check is independent, so one
 * failure does not hide the next.
 */
import { existsSync } from 'node:fs';
import type { ImapFlow } from 'imapflow';
import type { TAppConfig, TMailboxConfig } from '../../config/config-schema.js';
import { closeDbClient, createDbClient, isDatabaseReachable, type Db } from '../../db/client.js';
import { IDLE_SILENT_HINT } from '../../domain/idle-silence.js';
import { parseDatabaseUrl, redactDatabaseUrl } from '../../config/database-url.js';
import { pendingMigrations } from '../../db/migrations.js';
import { connectImapOnce, imapTlsDescription } from '../../mail/imap-connection.js';
import { describeImapError } from '../../mail/imap-errors.js';
import { describeTokenError } from '../../mail/oauth/oauth-errors.js';
import { oauthTokens } from '../../mail/oauth/token-source.js';
import { describeSmtpError, smtpTlsDescription, verifySmtp } from '../../mail/smtp-transport.js';
import { errorMessage } from '../../errors.js';
import { createSlackProbe, slackErrorCode } from '../../slack-api/slack-probe.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** Works, but an admin should know (e.g. no TLS): printed as WARN, not a failure. */
  warn?: boolean;
}

const GRANT_NAMES = {
  client_credentials: 'client credentials (app-only)',
  refresh_token: 'refresh token',
  service_account: 'service account (domain-wide delegation)',
} as const;

/** Acquires a token the way the bot will, so a refused secret shows before IMAP does. */
async function checkOAuth(mailbox: TMailboxConfig): Promise<CheckResult[]> {
  const oauth = mailbox.imap.oauth;
  if (!oauth) return [];
  const name = `oauth ${mailbox.key}`;
  const tokens = oauthTokens(oauth);
  const grant = GRANT_NAMES[oauth.grant.kind];
  try {
    await tokens.accessToken();
    const minutes = tokens.expiresAt ? Math.round((tokens.expiresAt - Date.now()) / 60_000) : undefined;
    return [
      {
        name,
        ok: true,
        detail: `token issued by ${new URL(oauth.tokenUrl).host} (${grant} grant)${minutes !== undefined ? `, valid for ${minutes} min; refreshed ahead of expiry` : ''}`,
      },
    ];
  } catch (error) {
    return [{ name, ok: false, detail: `${grant} grant: ${describeTokenError(error, oauth).message}` }];
  }
}

/** A connection that will cross the network in clear text, said as a warning. */
function tlsWarnings(mailbox: TMailboxConfig): CheckResult[] {
  return [
    mailbox.imap.tls === 'none' && !mailbox.imap.secure
      ? `IMAP to ${mailbox.imap.host}:${mailbox.imap.port}`
      : undefined,
    mailbox.smtp.tls === 'none' && !mailbox.smtp.secure
      ? `SMTP to ${mailbox.smtp.host}:${mailbox.smtp.port}`
      : undefined,
  ]
    .filter((what): what is string => what !== undefined)
    .map((what) => ({
      name: `tls ${mailbox.key}`,
      ok: true,
      warn: true,
      detail: `${what} is not encrypted (TLS set to none): the sign-in and every mail cross the network in clear text — only for a server on this machine`,
    }));
}

/**
 * What the running bot found out about each mailbox's server and recorded: an IDLE that
 * stays silent (the doctor cannot append a test mail to a customer's mailbox to see).
 */
async function recordedFindings(db: Db, config: TAppConfig): Promise<CheckResult[]> {
  const rows = await db.mailbox.findMany({
    where: { key: { in: config.mailboxes.map((mailbox) => mailbox.key) }, idleSilentSince: { not: null } },
    select: { key: true, idleSilentSince: true },
  });
  return rows.map((row) => {
    const sweep = config.mailboxes.find((mailbox) => mailbox.key === row.key)!.imap.sweepSeconds;
    return {
      name: `imap idle ${row.key}`,
      ok: true,
      warn: true,
      detail: `since ${row.idleSilentSince!.toISOString()} the sweep has kept finding new mail that IDLE did not announce, so new mail waits up to ${sweep} s. Likely cause: ${IDLE_SILENT_HINT}`,
    };
  });
}

async function checkDatabase(config: TAppConfig): Promise<CheckResult[]> {
  const target = parseDatabaseUrl(config.databaseUrl)!;
  const where = redactDatabaseUrl(target.url);
  const name = 'database';
  // Opening a missing SQLite file would create it; a typo in DATABASE_URL must show instead.
  if (target.provider === 'sqlite' && !existsSync(target.file)) {
    return [
      {
        name,
        ok: true,
        detail: `${where} does not exist yet; \`npm start\` creates it (check DATABASE_URL if you expected an existing file)`,
      },
    ];
  }
  const db = createDbClient(target);
  try {
    if (!(await isDatabaseReachable(db))) {
      return [
        {
          name,
          ok: false,
          detail: `${where} cannot be reached — check DATABASE_URL and that the server is running`,
        },
      ];
    }
    const pending = await pendingMigrations(target);
    if (pending.length)
      return [
        {
          name,
          ok: true,
          detail: `${where} reachable; ${pending.length} migration(s) pending, applied by \`npm start\` or \`npm run db:migrate\``,
        },
      ];
    return [{ name, ok: true, detail: `${where} reachable and up to date` }, ...(await recordedFindings(db, config))];
  } catch (error) {
    return [{ name, ok: false, detail: `${where}: ${errorMessage(error).split('\n')[0]} — check DATABASE_URL` }];
  } finally {
    await closeDbClient(db).catch(() => {});
  }
}

async function checkImap(mailbox: TMailboxConfig): Promise<CheckResult> {
  const name = `imap ${mailbox.key}`;
  const { imap } = mailbox;
  const how = `${imap.oauth ? 'with an OAuth2 token' : 'with the password'} over ${imapTlsDescription(imap)}`;
  let client: ImapFlow | undefined;
  try {
    client = await connectImapOnce(imap);
    const status = await client.status(imap.folder, { messages: true, uidValidity: true });
    const sent =
      mailbox.sentCopy === 'append'
        ? 'a copy of each sent reply goes to Sent'
        : 'sent replies are not copied to Sent (SENT_COPY; the provider keeps its own)';
    return {
      name,
      ok: true,
      detail: `signed in as ${imap.user} at ${imap.host}:${imap.port} ${how}; ${imap.folder} holds ${(status && status.messages) || 0} message(s); ${sent}`,
    };
  } catch (error) {
    return { name, ok: false, detail: `${describeImapError(error, imap).message} (${how})` };
  } finally {
    await client?.logout().catch(() => client?.close());
  }
}

async function checkSmtp(mailbox: TMailboxConfig): Promise<CheckResult> {
  const name = `smtp ${mailbox.key}`;
  const { smtp } = mailbox;
  const over = `over ${smtpTlsDescription(smtp)}`;
  try {
    await verifySmtp(smtp);
    const login = smtp.oauth
      ? `sign-in as ${smtp.user} with an OAuth2 token`
      : smtp.user
        ? `login as ${smtp.user}`
        : 'mail without login';
    return { name, ok: true, detail: `${smtp.host}:${smtp.port} accepts ${login} ${over}` };
  } catch (error) {
    return { name, ok: false, detail: `${describeSmtpError(error, smtp)} (${over})` };
  }
}

/** Token first (its error is the clearest), then IMAP and SMTP, which use that token. */
async function checkMailbox(mailbox: TMailboxConfig): Promise<CheckResult[]> {
  const token = await checkOAuth(mailbox);
  const [imap, smtp] = await Promise.all([checkImap(mailbox), checkSmtp(mailbox)]);
  if (mailbox.imap.oauth) oauthTokens(mailbox.imap.oauth).stop();
  return [...token, imap, smtp, ...tlsWarnings(mailbox)];
}

async function checkSlack(config: TAppConfig): Promise<CheckResult[]> {
  const slack = createSlackProbe(config.slack.botToken, config.slack.apiUrl);
  let team: string;
  try {
    const auth = await slack.identity();
    team = `${auth.user ?? 'bot'} in ${auth.team ?? 'the workspace'}`;
  } catch (error) {
    const code = slackErrorCode(error);
    const hint =
      code === 'invalid_auth' || code === 'not_authed' || code === 'token_revoked' || code === 'account_inactive'
        ? 'the token was refused — copy the Bot User OAuth Token again into SLACK_BOT_TOKEN (reinstall the app if it was revoked)'
        : `${code ?? errorMessage(error)} — check SLACK_API_URL and the network`;
    return [{ name: 'slack', ok: false, detail: `auth.test failed: ${hint}` }];
  }
  const results: CheckResult[] = [{ name: 'slack', ok: true, detail: `token works: ${team}` }];
  for (const mailbox of config.mailboxes) {
    const name = `slack channel ${mailbox.key}`;
    try {
      results.push(
        (await slack.isBotInChannel(mailbox.channelId))
          ? { name, ok: true, detail: `the bot is a member of ${mailbox.channelId}` }
          : {
              name,
              ok: false,
              detail: `the bot is not a member of ${mailbox.channelId} — invite it in that channel with /invite @Mailroom`,
            },
      );
    } catch (error) {
      const code = slackErrorCode(error) ?? errorMessage(error);
      results.push({
        name,
        ok: false,
        detail: `channel ${mailbox.channelId} cannot be read (${code}) — check SLACK_CHANNEL_ID and invite the bot to the channel`,
      });
    }
  }
  return results;
}

/** Runs every check; the results are in a stable order for printing. */
export async function diagnoseSetup(config: TAppConfig): Promise<CheckResult[]> {
  const [database, slack, mail] = await Promise.all([
    checkDatabase(config),
    checkSlack(config),
    Promise.all(config.mailboxes.map(checkMailbox)),
  ]);
  const source = config.configFile ? `from ${config.configFile}` : 'from the environment';
  return [
    { name: 'configuration', ok: true, detail: `${config.mailboxes.length} mailbox(es) ${source}` },
    ...database,
    ...slack,
    ...mail.flat(),
  ];
}
