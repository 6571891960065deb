/**
 * What Mailroom's configuration must look like, as zod schemas. Field names follow the
 * environment variables of docs/contract.md; load-config.ts maps the environment and the
 * MAILROOM_CONFIG file onto these shapes and turns every problem into one line per key.
 */
import { z } from 'zod';
import { CLOSED_DAY_PATTERN, HOLIDAY_CALENDARS } from '../domain/days-off.js';
import { LOCALES, type TLocale } from '../domain/locale.js';
import { ZRoutingRule } from '../domain/routing.js';

export const ZLocale = z.enum(LOCALES);
export { LOCALES, type TLocale };

export const REVIEW_POLICIES = ['all', 'none'] as const;
export const ZReviewPolicy = z.enum(REVIEW_POLICIES);

const ZPort = z.coerce.number().int().min(1).max(65535);

/** "true"/"false" as environment variables and files spell them. */
const ZFlag = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((value) => ['true', 'false', '1', '0', 'yes', 'no'].includes(value))
    .transform((value) => ['true', '1', 'yes'].includes(value)),
]);

const ZNonEmpty = z.string().trim().min(1);
const ZMailAddress = z
  .string()
  .trim()
  .regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/);
export const ZSlackChannelId = z
  .string()
  .trim()
  .regex(/^[CGD][A-Z0-9]{2,}$/);
/** Users (U…, W… on Enterprise Grid) or a user group (S…). */
const ZSlackReviewerId = z
  .string()
  .trim()
  .regex(/^[UWS][A-Z0-9]{2,}$/);

/** A comma-separated list in the environment, a list in the file. */
const ZCommaList = z
  .union([z.array(z.string()), z.string().transform((value) => value.split(','))])
  .transform((items) => items.map((item) => item.trim()).filter((item) => item !== ''));
const ZIdList = ZCommaList.pipe(z.array(ZSlackReviewerId));
/** Slack users allowed the privacy commands (`/mail forget`, `/mail export-customer`): ADMINS. */
export const ZAdminList = ZCommaList.pipe(
  z.array(
    z
      .string()
      .trim()
      .regex(/^[UW][A-Z0-9]{2,}$/),
  ),
);

/**
 * A reply's signature: plain text with the template variables (`{{agent_name}}`, …), in
 * the mailbox's language. Short enough that the reviewer's draft message shows it whole.
 */
export const SIGNATURE_MAX_CHARS = 1_000;
const ZSignature = z.string().max(SIGNATURE_MAX_CHARS);
const ZSlackUserId = z
  .string()
  .trim()
  .regex(/^[UW][A-Z0-9]{2,}$/);

/**
 * `required`: TLS from the first byte (`secure`) or STARTTLS, which must then succeed: a
 * server that does not offer it is refused, never talked to in clear text. `none`: the
 * explicit opt-out for a server on the same machine; doctor warns about it.
 */
const ZTlsMode = z.enum(['required', 'none']).default('required');

export const MAIL_PROVIDERS = ['generic', 'google', 'microsoft365'] as const;
export type TMailProvider = (typeof MAIL_PROVIDERS)[number];

/** What becomes of the copy of a sent reply: `auto` is `never` where the provider keeps one itself. */
export const SENT_COPY_POLICIES = ['auto', 'append', 'never'] as const;

/** IMAP_SWEEP_SECONDS: one minute by default; a sweep is one cheap UID FETCH when nothing is new. */
export const IMAP_SWEEP_SECONDS = { min: 2, max: 3600, default: 60 } as const;

export const ZImapConfig = z.object({
  host: ZNonEmpty,
  port: ZPort.default(993),
  secure: ZFlag.default(true),
  tls: ZTlsMode,
  user: ZNonEmpty,
  /** Required with password sign-in (load-config's missingSignInKeys, which knows the kind). */
  password: ZNonEmpty.optional(),
  folder: ZNonEmpty.default('INBOX'),
  /** Where a copy of each sent reply goes; unset: the folder the server marks \Sent, else `Sent`. */
  sentFolder: ZNonEmpty.optional(),
  /** Days of mail already in the folder to ingest on the very first start. */
  backfillDays: z.coerce.number().int().min(0).max(3650).default(0),
  /** A mail larger than this (MB) is taken as its headers and the start of its text only. */
  maxMailMb: z.coerce.number().int().min(1).max(2048).default(50),
  /**
   * Seconds between sweeps, the sync passes that catch what IDLE did not announce. Where the
   * server's IDLE stays silent (Cyrus without `idled`), new mail waits for the sweep.
   */
  sweepSeconds: z.coerce
    .number()
    .int()
    .min(IMAP_SWEEP_SECONDS.min)
    .max(IMAP_SWEEP_SECONDS.max)
    .default(IMAP_SWEEP_SECONDS.default),
});

/**
 * How a mailbox signs in to its IMAP and SMTP servers (OAuth2 settings resolved from the
 * configuration: see config/mail-providers.ts). The same object is shared by the
 * mailbox's IMAP and SMTP settings, so both use one token cache.
 */
export type TOAuthGrant =
  | { kind: 'client_credentials'; clientId: string; clientSecret: string; scope?: string }
  | { kind: 'refresh_token'; clientId: string; clientSecret?: string; refreshToken: string; scope?: string }
  | {
      kind: 'service_account';
      clientEmail: string;
      privateKey: string;
      keyId?: string;
      subject: string;
      scope: string;
    };

export interface TOAuthSettings {
  provider: TMailProvider;
  tokenUrl: string;
  grant: TOAuthGrant;
  /** For `npm run authorize`: where a person signs in (browser) or enters a code (device). */
  authorizationUrl?: string;
  deviceAuthorizationUrl?: string;
}

export type TImapConfig = z.infer<typeof ZImapConfig> & { oauth?: TOAuthSettings };

export const ZSmtpConfig = z.object({
  host: ZNonEmpty,
  port: ZPort.default(465),
  secure: ZFlag.default(true),
  tls: ZTlsMode,
  user: ZNonEmpty.optional(),
  password: ZNonEmpty.optional(),
});
export type TSmtpConfig = z.infer<typeof ZSmtpConfig> & { oauth?: TOAuthSettings };

const ZHttpsUrl = z.url({ protocol: /^https$/ });

/** The configured OAuth2 values, before the provider's defaults and the grant are worked out. */
export const ZMailAuth = z.object({
  type: z.enum(['password', 'oauth2']).default('password'),
  tokenUrl: ZHttpsUrl.optional(),
  tenantId: ZNonEmpty.regex(/^[A-Za-z0-9.-]+$/).optional(),
  clientId: ZNonEmpty.optional(),
  clientSecret: ZNonEmpty.optional(),
  scope: ZNonEmpty.optional(),
  refreshToken: ZNonEmpty.optional(),
  serviceAccountFile: ZNonEmpty.optional(),
  authorizationUrl: ZHttpsUrl.optional(),
  deviceAuthorizationUrl: ZHttpsUrl.optional(),
});
export type TMailAuth = z.infer<typeof ZMailAuth>;

const ZClock = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const ZMinutes = z.coerce
  .number()
  .int()
  .min(1)
  .max(60 * 24 * 30);

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** When the team works, in its time zone: reminders count only these hours and wait for them. */
export const ZBusinessHours = z
  .object({
    timeZone: z
      .string()
      .trim()
      .refine(validTimeZone)
      .default(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
    days: z.array(z.coerce.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
    start: ZClock.default('09:00'),
    end: ZClock.default('18:00'),
    /** Public holidays that are days off; unset: Japan's when the time zone is Asia/Tokyo, else none. */
    holidays: z.enum(HOLIDAY_CALENDARS).optional(),
    /** The company's own closing days: dates, yearly days, ranges (domain/days-off.ts). */
    closedDays: z
      .union([z.array(z.string()), z.string().transform((value) => value.split(','))])
      .transform((days) => days.map((day) => day.trim()).filter((day) => day !== ''))
      .pipe(z.array(z.string().regex(CLOSED_DAY_PATTERN)))
      .default([]),
  })
  .refine((hours) => hours.start < hours.end, { path: ['end'] })
  .transform((hours) => ({ ...hours, holidays: hours.holidays ?? (hours.timeZone === 'Asia/Tokyo' ? 'jp' : 'none') }));

/** Reminder limits in business minutes, per urgency; the daily digest's local time or off. */
export const ZReminders = z.object({
  unclaimedMinutes: z
    .object({ normal: ZMinutes.default(240), urgent: ZMinutes.default(60), critical: ZMinutes.default(15) })
    .prefault({}),
  reviewWaitMinutes: ZMinutes.default(60),
  responseTargetMinutes: z
    .object({ normal: ZMinutes.default(1440), urgent: ZMinutes.default(240), critical: ZMinutes.default(60) })
    .prefault({}),
  digestAt: z.union([ZClock, z.literal('off')]).default('09:00'),
});
export type TReminders = z.infer<typeof ZReminders>;

/** A mailbox's own status: shown in both languages, understood through its category. */
export const ZCustomStatus = z.object({
  key: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_]{0,31}$/)
    .refine((key) => !['open', 'in_progress', 'done'].includes(key)),
  ja: ZNonEmpty.max(60),
  en: ZNonEmpty.max(60),
  category: z.enum(['open', 'pending', 'closed']),
});

/** REPLY_ATTACHMENT_MAX_MB when unset: what common mail servers take, with base64's third on top. */
export const REPLY_ATTACHMENT_MAX_MB_DEFAULT = 20;

export const ZMailboxConfig = z
  .object({
    key: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
    address: ZMailAddress,
    name: ZNonEmpty.optional(),
    channelId: ZSlackChannelId,
    locale: ZLocale.optional(),
    provider: z.enum(MAIL_PROVIDERS).default('generic'),
    auth: ZMailAuth.prefault({}),
    imap: ZImapConfig,
    smtp: ZSmtpConfig,
    sentCopy: z.enum(SENT_COPY_POLICIES).default('auto'),
    reviewers: ZIdList.default([]),
    reviewPolicy: ZReviewPolicy.default('all'),
    /** The most a reply's attachments may weigh together, in MB (mail servers refuse larger mail). */
    replyAttachmentMaxMb: z.coerce.number().int().min(1).max(100).default(REPLY_ATTACHMENT_MAX_MB_DEFAULT),
    /** Routing rules from the mailbox file, applied before the rules made in Slack. */
    routing: z.array(ZRoutingRule).default([]),
    /** Statuses of this mailbox beyond open / in progress / done. */
    statuses: z.array(ZCustomStatus).default([]),
    businessHours: ZBusinessHours.prefault({}),
    reminders: ZReminders.prefault({}),
    /** The status a ticket moves to when a reply to it has been sent. */
    statusAfterReply: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_]{0,31}$/)
      .default('done'),
    /** Put below every reply's text (load-config reads `signatureFile` into it). */
    signature: ZSignature.default(''),
    signatureFile: ZNonEmpty.optional(),
    /** A person's own signature (Slack user id → text), instead of the mailbox's. */
    agentSignatures: z.record(ZSlackUserId, ZSignature).default({}),
    /** More addresses that reach this mailbox: a mail to one is answered from it. */
    aliases: ZCommaList.pipe(z.array(ZMailAddress)).default([]),
    /**
     * Days a mail's raw source and its attachments' bytes are kept; unset or 0 keeps them forever.
     * Tickets, texts and numbers stay (src/services/privacy/apply-retention.ts).
     */
    retentionDays: z.coerce.number().int().min(0).max(36_500).optional(),
  })
  .refine(
    (mailbox) =>
      ['open', 'in_progress', 'done', ...mailbox.statuses.map((status) => status.key)].includes(
        mailbox.statusAfterReply,
      ),
    {
      path: ['statusAfterReply'],
    },
  );

/** A mailbox as the rest of the program sees it: names, language and sign-in worked out. */
export type TMailboxConfig = Omit<z.infer<typeof ZMailboxConfig>, 'imap' | 'smtp' | 'sentCopy'> & {
  name: string;
  locale: TLocale;
  imap: TImapConfig;
  smtp: TSmtpConfig;
  /** Whether a sent reply is appended to the Sent folder (`auto` resolved by the provider). */
  sentCopy: 'append' | 'never';
};

export const ZSlackConfig = z.object({
  botToken: z
    .string()
    .trim()
    .regex(/^xoxb-\S+$/),
  signingSecret: ZNonEmpty.optional(),
  appToken: z
    .string()
    .trim()
    .regex(/^xapp-\S+$/)
    .optional(),
  apiUrl: z.url({ protocol: /^https?$/ }).default('https://slack.com/api/'),
  port: ZPort.default(3000),
});

/** GET /metrics (and a detailed /healthz) on a listener of its own; off without a port. */
export const ZMetricsConfig = z.object({
  port: ZPort.optional(),
  host: ZNonEmpty.default('127.0.0.1'),
  token: ZNonEmpty.min(16).optional(),
});

export const ZLogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** The whole configuration, after defaults. */
export interface TAppConfig {
  slack: z.infer<typeof ZSlackConfig>;
  databaseUrl: string;
  locale: TLocale;
  logLevel: z.infer<typeof ZLogLevel>;
  metrics: z.infer<typeof ZMetricsConfig>;
  /** Path of the MAILROOM_CONFIG file, when the mailboxes came from one. */
  configFile?: string;
  mailboxes: TMailboxConfig[];
  /** Slack user ids of the admins (ADMINS): who may forget or export a customer's data. */
  admins: string[];
}
