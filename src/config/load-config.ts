/**
 * Reads the configuration once at start: the environment, a `.env` file in the working
 * directory (the environment wins), and the MAILROOM_CONFIG file for several mailboxes.
 * Every problem becomes one line naming the key, what is wrong and how to fix it; values
 * are never echoed, so a secret in the wrong variable does not end up in a log.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { parseDatabaseUrl, DEFAULT_DATABASE_URL } from './database-url.js';
import { KEY_HINTS } from './config-hints.js';
import { applyProviderPreset, resolveOAuth, resolveSentCopy, type ServiceAccountKey } from './mail-providers.js';
import {
  ZAdminList,
  ZLocale,
  ZLogLevel,
  ZMailboxConfig,
  ZMetricsConfig,
  ZSlackConfig,
  SIGNATURE_MAX_CHARS,
  type TAppConfig,
  type TMailboxConfig,
} from './config-schema.js';
import { errorMessage } from '../errors.js';

export type Env = Record<string, string | undefined>;

export type ConfigResult = { ok: true; config: TAppConfig } | { ok: false; problems: string[] };

/** The environment with `.env` from `cwd` underneath it; empty values count as unset. */
export function readEnvironment(env: Env = process.env, cwd = process.cwd()): Env {
  const dotenvPath = path.join(cwd, '.env');
  const fromFile = existsSync(dotenvPath) ? parseEnv(readFileSync(dotenvPath, 'utf8')) : {};
  const merged: Env = {};
  for (const [key, value] of Object.entries({ ...fromFile, ...env })) {
    if (value !== undefined && value.trim() !== '') merged[key] = value;
  }
  return merged;
}

/** Where a problem is, in the words of the place the value came from. */
type KeyNamer = (schemaPath: string) => string;

const envKeyNamer: KeyNamer = (schemaPath) => KEY_HINTS[schemaPath]?.env ?? schemaPath;

function problemLine(name: string, schemaPath: string, missing: boolean, detail?: string): string {
  const expect = KEY_HINTS[schemaPath]?.expect;
  const what = detail ?? (missing ? 'missing' : 'invalid');
  return expect ? `${name}: ${what}; expected ${expect}` : `${name}: ${what}`;
}

function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Validates `input` and reports each problem under `prefix` + the failing field. */
function check<T extends z.ZodType>(
  schema: T,
  input: unknown,
  prefix: string,
  nameOf: KeyNamer,
  problems: string[],
): z.infer<T> | undefined {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    // List entries (REVIEWERS, routing rules) are reported under the list's key, by
    // position, naming the field inside the entry.
    const index = issue.path.findIndex((key) => typeof key === 'number');
    const listPath = index === -1 ? issue.path : issue.path.slice(0, index);
    const entry = index === -1 ? undefined : (issue.path[index] as number);
    const inside =
      index === -1
        ? ''
        : issue.path
            .slice(index + 1)
            .map(String)
            .join('.');
    const schemaPath = [prefix, ...listPath.map(String)].filter(Boolean).join('.');
    if (seen.has(schemaPath)) continue;
    seen.add(schemaPath);
    const missing = entry === undefined && valueAt(input, issue.path) === undefined;
    const detail = entry === undefined ? undefined : `entry ${entry + 1}${inside ? ` (${inside})` : ''} is invalid`;
    problems.push(problemLine(nameOf(schemaPath), schemaPath, missing, detail));
  }
  return undefined;
}

function mailboxFromEnv(env: Env): Record<string, unknown> {
  return {
    key: env.MAILBOX_KEY ?? 'default',
    address: env.MAILBOX_ADDRESS,
    name: env.MAILBOX_NAME,
    channelId: env.SLACK_CHANNEL_ID,
    locale: env.LOCALE,
    provider: env.MAIL_PROVIDER,
    auth: {
      type: env.MAIL_AUTH,
      tokenUrl: env.OAUTH_TOKEN_URL,
      tenantId: env.OAUTH_TENANT_ID,
      clientId: env.OAUTH_CLIENT_ID,
      clientSecret: env.OAUTH_CLIENT_SECRET,
      scope: env.OAUTH_SCOPE,
      refreshToken: env.OAUTH_REFRESH_TOKEN,
      serviceAccountFile: env.OAUTH_SERVICE_ACCOUNT_FILE,
      authorizationUrl: env.OAUTH_AUTHORIZATION_URL,
      deviceAuthorizationUrl: env.OAUTH_DEVICE_AUTHORIZATION_URL,
    },
    sentCopy: env.SENT_COPY,
    imap: {
      host: env.IMAP_HOST,
      port: env.IMAP_PORT,
      secure: env.IMAP_SECURE,
      tls: env.IMAP_TLS,
      user: env.IMAP_USER,
      password: env.IMAP_PASSWORD,
      folder: env.IMAP_FOLDER,
      sentFolder: env.IMAP_SENT_FOLDER,
      backfillDays: env.IMAP_BACKFILL_DAYS,
      maxMailMb: env.IMAP_MAX_MAIL_MB,
      sweepSeconds: env.IMAP_SWEEP_SECONDS,
    },
    smtp: {
      host: env.SMTP_HOST,
      port: env.SMTP_PORT,
      secure: env.SMTP_SECURE,
      tls: env.SMTP_TLS,
      user: env.SMTP_USER,
      password: env.SMTP_PASSWORD,
    },
    reviewers: env.REVIEWERS,
    reviewPolicy: env.REVIEW_POLICY,
    replyAttachmentMaxMb: env.REPLY_ATTACHMENT_MAX_MB,
    retentionDays: env.RETENTION_DAYS,
    statusAfterReply: env.STATUS_AFTER_REPLY,
    // One line in an environment variable: `\n` stands for a line break.
    signature: env.SIGNATURE?.replace(/\\n/g, '\n'),
    signatureFile: env.SIGNATURE_FILE,
    aliases: env.ALIASES,
    businessHours: { timeZone: env.BUSINESS_TIME_ZONE, holidays: env.HOLIDAYS, closedDays: env.CLOSED_DAYS },
    reminders: { digestAt: env.DIGEST_AT },
  };
}

/**
 * Replaces `${NAME}` in every string of the file with the environment's value. An unset
 * name is reported here and the text left as it was, so it is not reported twice.
 */
function substituteEnv(value: unknown, env: Env, where: string, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
      const replacement = env[name];
      if (replacement === undefined)
        problems.push(`${where}: refers to \${${name}}, which is not set in the environment`);
      return replacement ?? `\${${name}}`;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, `${where}[${i}]`, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        substituteEnv(item, env, where ? `${where}.${key}` : key, problems),
      ]),
    );
  }
  return value;
}

/**
 * Review on and nobody allowed to approve: every reply would wait forever. Checked on the
 * raw values so it is reported together with any other problem of the mailbox.
 */
function needsReviewersButHasNone(raw: unknown): boolean {
  const policy = valueAt(raw, ['reviewPolicy']) ?? 'all';
  const reviewers = valueAt(raw, ['reviewers']);
  const listed = Array.isArray(reviewers) ? reviewers : typeof reviewers === 'string' ? reviewers.split(',') : [];
  return policy === 'all' && listed.every((id) => String(id).trim() === '');
}

/**
 * The keys a mailbox's way of signing in makes necessary: a password, or the OAuth2
 * client and endpoint. Checked on the raw values (after the provider preset) so they are
 * reported together with every other problem of the mailbox.
 */
function missingSignInKeys(raw: unknown): { path: string; detail?: string }[] {
  const set = (keys: string[]) => {
    const value = valueAt(raw, keys);
    return value !== undefined && String(value).trim() !== '';
  };
  const missing: { path: string; detail?: string }[] = [];
  if ((valueAt(raw, ['auth', 'type']) ?? 'password') !== 'oauth2') {
    if (!set(['imap', 'password'])) missing.push({ path: 'mailbox.imap.password' });
    // A login needs both halves; nodemailer would otherwise try to log in with no password.
    if (set(['smtp', 'user']) !== set(['smtp', 'password'])) {
      missing.push({
        path: 'mailbox.smtp.password',
        detail: 'SMTP_USER and SMTP_PASSWORD must be set together (or neither, for a relay without login)',
      });
    }
    return missing;
  }
  if (set(['auth', 'serviceAccountFile'])) return missing; // the key file names the client
  if (!set(['auth', 'clientId'])) missing.push({ path: 'mailbox.auth.clientId' });
  if (!set(['auth', 'refreshToken']) && !set(['auth', 'clientSecret'])) {
    missing.push({
      path: 'mailbox.auth.clientSecret',
      detail:
        'missing: client credentials need the client secret (or set OAUTH_REFRESH_TOKEN, from `npm run authorize`, for a delegated sign-in)',
    });
  }
  const provider = valueAt(raw, ['provider']) ?? 'generic';
  if (!set(['auth', 'tokenUrl']) && provider === 'microsoft365' && !set(['auth', 'tenantId']))
    missing.push({ path: 'mailbox.auth.tenantId' });
  if (!set(['auth', 'tokenUrl']) && provider === 'generic') missing.push({ path: 'mailbox.auth.tokenUrl' });
  return missing;
}

function mailboxesFromFile(file: string, env: Env, problems: string[]): unknown[] | undefined {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found'
        : `cannot be read (${errorMessage(error).split('\n')[0]})`;
    problems.push(`MAILROOM_CONFIG: ${file} ${reason}; expected ${KEY_HINTS.configFile!.expect}`);
    return undefined;
  }
  const list = valueAt(document, ['mailboxes']);
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`MAILROOM_CONFIG: ${file} has no \`mailboxes:\` list; expected ${KEY_HINTS.configFile!.expect}`);
    return undefined;
  }
  const defaults = (valueAt(document, ['defaults']) ?? {}) as Record<string, unknown>;
  return list.map((entry, index) => {
    const where = `${path.basename(file)} mailboxes[${index}]`;
    const raw = substituteEnv({ ...defaults, ...(entry as Record<string, unknown>) }, env, where, problems) as Record<
      string,
      unknown
    >;
    const { channel, ...rest } = raw;
    return { ...rest, channelId: channel, locale: raw.locale ?? env.LOCALE };
  });
}

/** The `admins:` list at the top of the MAILROOM_CONFIG file; its read problems are mailboxesFromFile's. */
function adminsInFile(file: string): unknown {
  try {
    return valueAt(parseYaml(readFileSync(file, 'utf8')), ['admins']) ?? undefined;
  } catch {
    return undefined;
  }
}

function fileKeyNamer(file: string, index: number): KeyNamer {
  return (schemaPath) => {
    const field = KEY_HINTS[schemaPath]?.file ?? schemaPath.replace(/^mailbox\./, '');
    return `${path.basename(file)} mailboxes[${index}].${field}`;
  };
}

/**
 * Reads a Google service-account key file (as downloaded from the Cloud console). Problems
 * are reported under the key that names the file; the key itself is never echoed.
 */
function readServiceAccountKey(
  file: string,
  cwd: string,
  name: string,
  problems: string[],
): ServiceAccountKey | undefined {
  const expect = KEY_HINTS['mailbox.auth.serviceAccountFile']!.expect;
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot be read as JSON';
    problems.push(`${name}: ${file} ${reason}; expected ${expect}`);
    return undefined;
  }
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
  const clientEmail = text(key.client_email);
  const privateKey = text(key.private_key);
  if (!clientEmail || !privateKey?.includes('PRIVATE KEY')) {
    problems.push(
      `${name}: ${file} is not a service account key (client_email and private_key missing); expected ${expect}`,
    );
    return undefined;
  }
  return { clientEmail, privateKey, keyId: text(key.private_key_id), tokenUri: text(key.token_uri) };
}

/**
 * The signature file's text, read on the raw values so a missing file is reported with
 * every other problem of the mailbox; undefined when no file is named or it is unusable.
 */
function signatureFromFile(raw: unknown, cwd: string, nameOf: KeyNamer, problems: string[]): string | undefined {
  const file = valueAt(raw, ['signatureFile']);
  if (typeof file !== 'string' || file.trim() === '') return undefined;
  const name = nameOf('mailbox.signatureFile');
  const expect = KEY_HINTS['mailbox.signatureFile']!.expect;
  const text = valueAt(raw, ['signature']);
  if (typeof text === 'string' && text.trim() !== '') {
    problems.push(`${name}: set together with ${nameOf('mailbox.signature')}; expected ${expect}`);
    return undefined;
  }
  let signature: string;
  try {
    signature = readFileSync(path.resolve(cwd, file.trim()), 'utf8').replace(/\r\n/g, '\n').trimEnd();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot be read';
    problems.push(`${name}: ${file} ${reason}; expected ${expect}`);
    return undefined;
  }
  if (signature.length <= SIGNATURE_MAX_CHARS) return signature;
  problems.push(`${name}: ${file} is longer than ${SIGNATURE_MAX_CHARS} characters; expected ${expect}`);
  return undefined;
}

/**
 * A validated mailbox as the program uses it: OAuth2 worked out (grant, endpoint, scope)
 * and shared by IMAP and SMTP, SMTP signing in as the IMAP user when it uses OAuth2, and
 * the Sent-copy policy decided.
 */
function finishMailbox(
  mailbox: z.infer<typeof ZMailboxConfig>,
  defaults: { locale: TMailboxConfig['locale'] },
  cwd: string,
  nameOf: KeyNamer,
  problems: string[],
): TMailboxConfig | undefined {
  const base = {
    ...mailbox,
    name: mailbox.name ?? mailbox.address,
    locale: mailbox.locale ?? defaults.locale,
    sentCopy: resolveSentCopy(mailbox.provider, mailbox.sentCopy),
  };
  if (mailbox.auth.type !== 'oauth2') return base;
  const file = mailbox.auth.serviceAccountFile;
  const serviceAccount = file
    ? readServiceAccountKey(file, cwd, nameOf('mailbox.auth.serviceAccountFile'), problems)
    : undefined;
  if (file && !serviceAccount) return undefined;
  const oauth = resolveOAuth(mailbox.provider, mailbox.auth, mailbox.imap.user, serviceAccount);
  return {
    ...base,
    imap: { ...mailbox.imap, oauth },
    smtp: { ...mailbox.smtp, user: mailbox.smtp.user ?? mailbox.imap.user, oauth },
  };
}

/**
 * The mailboxes as configured, before validation: from the MAILROOM_CONFIG file (with
 * `${NAME}` filled from the environment) or the one mailbox of the environment.
 */
export function readRawMailboxes(env: Env, cwd: string, problems: string[]): Record<string, unknown>[] | undefined {
  const configFile = env.MAILROOM_CONFIG ? path.resolve(cwd, env.MAILROOM_CONFIG) : undefined;
  return (configFile ? mailboxesFromFile(configFile, env, problems) : [mailboxFromEnv(env)]) as
    | Record<string, unknown>[]
    | undefined;
}

/**
 * Builds the configuration from an environment (already merged with `.env`).
 * @returns the configuration, or every problem found, one line each
 */
export function loadConfig(env: Env, cwd = process.cwd()): ConfigResult {
  const problems: string[] = [];
  const appToken = env.SLACK_APP_TOKEN;
  const slack = check(
    ZSlackConfig,
    {
      botToken: env.SLACK_BOT_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      appToken,
      apiUrl: env.SLACK_API_URL,
      port: env.PORT,
    },
    'slack',
    envKeyNamer,
    problems,
  );
  if (!appToken && !env.SLACK_SIGNING_SECRET)
    problems.push(problemLine('SLACK_SIGNING_SECRET', 'slack.signingSecret', true));

  const databaseUrl = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  if (!parseDatabaseUrl(databaseUrl, cwd)) problems.push(problemLine('DATABASE_URL', 'databaseUrl', false));
  const locale = check(ZLocale.default('en'), env.LOCALE, 'locale', envKeyNamer, problems);
  const logLevel = check(ZLogLevel.default('info'), env.LOG_LEVEL, 'logLevel', envKeyNamer, problems);
  const metrics = check(
    ZMetricsConfig,
    { port: env.METRICS_PORT, host: env.METRICS_HOST, token: env.METRICS_TOKEN },
    'metrics',
    envKeyNamer,
    problems,
  );

  const configFile = env.MAILROOM_CONFIG ? path.resolve(cwd, env.MAILROOM_CONFIG) : undefined;
  const rawMailboxes = readRawMailboxes(env, cwd, problems);
  const admins = check(
    ZAdminList.default([]),
    env.ADMINS ?? (configFile ? adminsInFile(configFile) : undefined),
    'admins',
    envKeyNamer,
    problems,
  );
  const mailboxes: TMailboxConfig[] = [];
  rawMailboxes?.forEach((raw, index) => {
    const nameOf = configFile ? fileKeyNamer(configFile, index) : envKeyNamer;
    const preset = applyProviderPreset(raw);
    const mailbox = check(ZMailboxConfig, preset, 'mailbox', nameOf, problems);
    const problemsBefore = problems.length;
    const fileSignature = signatureFromFile(preset, cwd, nameOf, problems);
    const signatureUsable = problems.length === problemsBefore;
    const unsigned = missingSignInKeys(preset);
    for (const { path: schemaPath, detail } of unsigned)
      problems.push(problemLine(nameOf(schemaPath), schemaPath, true, detail));
    if (needsReviewersButHasNone(raw)) {
      problems.push(
        problemLine(
          nameOf('mailbox.reviewers'),
          'mailbox.reviewers',
          false,
          'empty while the review policy is all, so no reply could ever be approved',
        ),
      );
    }
    const finished =
      mailbox &&
      unsigned.length === 0 &&
      signatureUsable &&
      finishMailbox(
        { ...mailbox, signature: fileSignature ?? mailbox.signature },
        { locale: locale ?? 'en' },
        cwd,
        nameOf,
        problems,
      );
    if (finished) mailboxes.push(finished);
  });
  const keys = (rawMailboxes ?? []).map((raw) => valueAt(raw, ['key']));
  for (const key of new Set(keys.filter((key, i) => keys.indexOf(key) !== i))) {
    problems.push(
      `MAILROOM_CONFIG: mailbox key "${key}" is used more than once; expected ${KEY_HINTS['mailbox.key']!.expect}`,
    );
  }

  // LOCALE is both the default language and the env mailbox's: report it once.
  if (problems.length > 0 || !slack || !locale || !logLevel || !metrics || !admins)
    return { ok: false, problems: [...new Set(problems)] };
  return { ok: true, config: { slack, databaseUrl, locale, logLevel, metrics, configFile, mailboxes, admins } };
}
