/**
 * How each configuration key is named to the person fixing it, and what a good value looks
 * like. Keys are schema paths with mailbox indexes removed (`mailbox.imap.host`).
 */
export interface KeyHint {
  /** The environment variable, when the key comes from the environment. */
  env: string;
  /** The key's name inside a MAILROOM_CONFIG file, relative to a mailbox. */
  file?: string;
  /** What a valid value looks like, and where to find it. */
  expect: string;
}

export const KEY_HINTS: Record<string, KeyHint> = {
  'slack.botToken': {
    env: 'SLACK_BOT_TOKEN',
    expect: 'a bot token starting with xoxb- (Slack app settings → OAuth & Permissions → Bot User OAuth Token)',
  },
  'slack.signingSecret': {
    env: 'SLACK_SIGNING_SECRET',
    expect:
      'the signing secret (Slack app settings → Basic Information → App Credentials); needed unless SLACK_APP_TOKEN is set for Socket Mode',
  },
  'slack.appToken': {
    env: 'SLACK_APP_TOKEN',
    expect:
      'an app-level token starting with xapp- with the connections:write scope (Basic Information → App-Level Tokens), or leave it unset for HTTP mode',
  },
  'slack.apiUrl': { env: 'SLACK_API_URL', expect: 'an http(s) URL such as https://slack.com/api/' },
  'slack.port': { env: 'PORT', expect: 'a TCP port number between 1 and 65535' },
  databaseUrl: {
    env: 'DATABASE_URL',
    expect: 'file:./data/mailroom.db for SQLite or postgresql://user:password@host:5432/dbname',
  },
  locale: { env: 'LOCALE', expect: 'ja or en' },
  'metrics.port': {
    env: 'METRICS_PORT',
    expect: 'a TCP port for GET /metrics and a detailed /healthz (e.g. 9464); unset: no metrics listener',
  },
  'metrics.host': {
    env: 'METRICS_HOST',
    expect: 'the address the metrics listener binds to; 127.0.0.1 (the default) keeps it on this machine',
  },
  'metrics.token': {
    env: 'METRICS_TOKEN',
    expect:
      'a secret of at least 16 characters that callers send as "Authorization: Bearer …" for /metrics and /healthz details',
  },
  logLevel: { env: 'LOG_LEVEL', expect: 'one of fatal, error, warn, info, debug, trace, silent' },
  configFile: { env: 'MAILROOM_CONFIG', expect: 'the path of a readable YAML or JSON file with a `mailboxes:` list' },
  'mailbox.key': {
    env: 'MAILBOX_KEY',
    file: 'key',
    expect: 'a short unique name of lower-case letters, digits, - or _ (e.g. support)',
  },
  'mailbox.address': {
    env: 'MAILBOX_ADDRESS',
    file: 'address',
    expect: 'the support address replies are sent from, e.g. support@example.com',
  },
  'mailbox.name': { env: 'MAILBOX_NAME', file: 'name', expect: 'the display name on outgoing mail' },
  'mailbox.channelId': {
    env: 'SLACK_CHANNEL_ID',
    file: 'channel',
    expect: 'a channel ID such as C0123ABCD (in Slack: channel name → View channel details → bottom of the About tab)',
  },
  'mailbox.locale': { env: 'LOCALE', file: 'locale', expect: 'ja or en' },
  'mailbox.imap.host': {
    env: 'IMAP_HOST',
    file: 'imap.host',
    expect: "the IMAP server's host name, e.g. imap.example.com",
  },
  'mailbox.imap.port': { env: 'IMAP_PORT', file: 'imap.port', expect: 'a TCP port number, usually 993 (TLS) or 143' },
  'mailbox.imap.secure': { env: 'IMAP_SECURE', file: 'imap.secure', expect: 'true (TLS, port 993) or false' },
  'mailbox.imap.user': { env: 'IMAP_USER', file: 'imap.user', expect: 'the IMAP login name, often the mail address' },
  'mailbox.imap.password': {
    env: 'IMAP_PASSWORD',
    file: 'imap.password',
    expect:
      'the IMAP password or app password (or MAIL_AUTH=oauth2 for Google Workspace and Microsoft 365, which refuse passwords)',
  },
  'mailbox.imap.folder': { env: 'IMAP_FOLDER', file: 'imap.folder', expect: 'the folder to watch, usually INBOX' },
  'mailbox.imap.backfillDays': {
    env: 'IMAP_BACKFILL_DAYS',
    file: 'imap.backfillDays',
    expect: 'a number of days (0 to 3650) of existing mail to import on the first start; 0 takes only new mail',
  },
  'mailbox.imap.maxMailMb': {
    env: 'IMAP_MAX_MAIL_MB',
    file: 'imap.maxMailMb',
    expect:
      'a size in MB (1 to 2048, default 50): a larger mail is taken as its headers and the start of its text only',
  },
  'mailbox.imap.sweepSeconds': {
    env: 'IMAP_SWEEP_SECONDS',
    file: 'imap.sweepSeconds',
    expect:
      'a number of seconds (2 to 3600, default 60) between sweeps for mail that IDLE did not announce; lower it for a server whose IDLE stays silent',
  },
  'mailbox.smtp.host': {
    env: 'SMTP_HOST',
    file: 'smtp.host',
    expect: "the SMTP relay's host name, e.g. smtp.example.com",
  },
  'mailbox.smtp.port': { env: 'SMTP_PORT', file: 'smtp.port', expect: 'a TCP port number, usually 465 (TLS) or 587' },
  'mailbox.smtp.secure': {
    env: 'SMTP_SECURE',
    file: 'smtp.secure',
    expect: 'true (TLS from the start, port 465) or false (587 with STARTTLS)',
  },
  'mailbox.smtp.user': { env: 'SMTP_USER', file: 'smtp.user', expect: 'the SMTP login name' },
  'mailbox.smtp.password': { env: 'SMTP_PASSWORD', file: 'smtp.password', expect: 'the SMTP password' },
  'mailbox.reviewers': {
    env: 'REVIEWERS',
    file: 'reviewers',
    expect:
      'Slack user IDs (U…) or a user group ID (S…), comma-separated; required while the review policy is all — or set REVIEW_POLICY=none',
  },
  'mailbox.routing': {
    env: 'MAILROOM_CONFIG',
    file: 'routing',
    expect:
      'a list of rules { name, when: { from | fromDomain | to | subject | body | header.NAME: text or { equals | contains | endsWith | matches } }, then: { urgency | tag | assignee | status | junk } } (README.md, "Routing rules")',
  },
  'mailbox.statuses': {
    env: 'MAILROOM_CONFIG',
    file: 'statuses',
    expect:
      'a list of { key (lower-case letters, digits, _; not open, in_progress or done), ja, en (labels up to 60 characters), category: open | pending | closed } (README.md, "Custom statuses")',
  },
  'mailbox.statusAfterReply': {
    env: 'STATUS_AFTER_REPLY',
    file: 'statusAfterReply',
    expect:
      'the status a ticket takes once its reply is sent: open, in_progress, done (the default) or a key from the mailbox statuses',
  },
  'mailbox.signature': {
    env: 'SIGNATURE',
    file: 'signature',
    expect:
      'the text put below every reply, up to 1,000 characters, with template variables such as {{agent_name}} ({{mailbox_name}}, …); in SIGNATURE, \\n is a line break',
  },
  'mailbox.signatureFile': {
    env: 'SIGNATURE_FILE',
    file: 'signatureFile',
    expect: 'a readable UTF-8 text file with the signature (up to 1,000 characters), instead of SIGNATURE — not both',
  },
  'mailbox.agentSignatures': {
    env: 'MAILROOM_CONFIG',
    file: 'agentSignatures',
    expect: 'a map of Slack user ID (U…) to that person’s signature text (up to 1,000 characters)',
  },
  'mailbox.aliases': {
    env: 'ALIASES',
    file: 'aliases',
    expect:
      'more addresses that reach this mailbox, comma-separated (a list in the file); mail to one is answered from it',
  },
  'mailbox.imap.sentFolder': {
    env: 'IMAP_SENT_FOLDER',
    file: 'imap.sentFolder',
    expect: 'the folder that keeps a copy of each sent reply; unset: the folder the server marks as Sent, else Sent',
  },
  'mailbox.businessHours': {
    env: 'BUSINESS_TIME_ZONE',
    file: 'businessHours',
    expect:
      'business hours { timeZone (an IANA zone such as Asia/Tokyo), days (1 = Monday … 7 = Sunday), start, end ("HH:MM", start before end) } (README.md, "Reminders")',
  },
  'mailbox.businessHours.holidays': {
    env: 'HOLIDAYS',
    file: 'businessHours.holidays',
    expect: "jp (Japan's public holidays are days off) or none; unset: jp when the time zone is Asia/Tokyo",
  },
  'mailbox.businessHours.closedDays': {
    env: 'CLOSED_DAYS',
    file: 'businessHours.closedDays',
    expect:
      'closing days, comma-separated: a date (2027-08-13), a yearly day (12-31) or a range of either (12-29..01-03, 2027-08-13..2027-08-16)',
  },
  'mailbox.reminders': {
    env: 'DIGEST_AT',
    file: 'reminders',
    expect:
      'reminder limits { unclaimedMinutes / responseTargetMinutes: { normal, urgent, critical }, reviewWaitMinutes, digestAt: "HH:MM" or off } (README.md, "Reminders")',
  },
  'mailbox.provider': {
    env: 'MAIL_PROVIDER',
    file: 'provider',
    expect:
      'generic (the default), google or microsoft365: fills servers, ports, TLS, the token endpoint and scope, and the Sent-copy policy',
  },
  'mailbox.sentCopy': {
    env: 'SENT_COPY',
    file: 'sentCopy',
    expect:
      'auto (the default: never for google and microsoft365, which keep a copy themselves; append elsewhere), append or never',
  },
  'mailbox.imap.tls': {
    env: 'IMAP_TLS',
    file: 'imap.tls',
    expect:
      'none, only for a server on the same machine; leave it unset otherwise (TLS is then required: IMAP_SECURE=true, or STARTTLS with IMAP_SECURE=false)',
  },
  'mailbox.smtp.tls': {
    env: 'SMTP_TLS',
    file: 'smtp.tls',
    expect:
      'none, only for a server on the same machine; leave it unset otherwise (TLS is then required: SMTP_SECURE=true, or STARTTLS with SMTP_SECURE=false)',
  },
  'mailbox.auth.type': {
    env: 'MAIL_AUTH',
    file: 'auth.type',
    expect: 'password (the default) or oauth2, for both IMAP and SMTP of the mailbox',
  },
  'mailbox.auth.tokenUrl': {
    env: 'OAUTH_TOKEN_URL',
    file: 'auth.tokenUrl',
    expect:
      "the identity provider's https token endpoint; with MAIL_PROVIDER=google or microsoft365 (and OAUTH_TENANT_ID) it can be left unset",
  },
  'mailbox.auth.tenantId': {
    env: 'OAUTH_TENANT_ID',
    file: 'auth.tenantId',
    expect: "the Microsoft Entra tenant (Directory) ID, a GUID from the app registration's Overview page",
  },
  'mailbox.auth.clientId': {
    env: 'OAUTH_CLIENT_ID',
    file: 'auth.clientId',
    expect: 'the Application (client) ID of the app registration (Microsoft) or the OAuth client ID (Google)',
  },
  'mailbox.auth.clientSecret': {
    env: 'OAUTH_CLIENT_SECRET',
    file: 'auth.clientSecret',
    expect: "the client secret's Value (Certificates & secrets), not its Secret ID",
  },
  'mailbox.auth.scope': {
    env: 'OAUTH_SCOPE',
    file: 'auth.scope',
    expect: "space-separated scopes; unset: the provider's default",
  },
  'mailbox.auth.refreshToken': {
    env: 'OAUTH_REFRESH_TOKEN',
    file: 'auth.refreshToken',
    expect: 'the refresh token printed by `npm run authorize`',
  },
  'mailbox.auth.serviceAccountFile': {
    env: 'OAUTH_SERVICE_ACCOUNT_FILE',
    file: 'auth.serviceAccountFile',
    expect:
      'the path of a Google service account key file (JSON with client_email and private_key) whose client has domain-wide delegation for https://mail.google.com/',
  },
  'mailbox.auth.authorizationUrl': {
    env: 'OAUTH_AUTHORIZATION_URL',
    file: 'auth.authorizationUrl',
    expect: "the provider's https authorization endpoint, for `npm run authorize`",
  },
  'mailbox.auth.deviceAuthorizationUrl': {
    env: 'OAUTH_DEVICE_AUTHORIZATION_URL',
    file: 'auth.deviceAuthorizationUrl',
    expect: "the provider's https device authorization endpoint, for `npm run authorize -- --device`",
  },
  'mailbox.reviewPolicy': {
    env: 'REVIEW_POLICY',
    file: 'reviewPolicy',
    expect: 'all (every reply needs approval) or none',
  },
  'mailbox.retentionDays': {
    env: 'RETENTION_DAYS',
    file: 'retentionDays',
    expect:
      "a whole number of days from 0 to 36500: how long a mail's raw source and attachments are kept; 0 (the default) keeps them",
  },
  admins: {
    env: 'ADMINS',
    expect:
      'Slack user IDs (U…), comma-separated (or `admins:` at the top of the MAILROOM_CONFIG file): who may use /mail forget and /mail export-customer',
  },
  'mailbox.replyAttachmentMaxMb': {
    env: 'REPLY_ATTACHMENT_MAX_MB',
    file: 'replyAttachmentMaxMb',
    expect: "a whole number of megabytes from 1 to 100: the most a reply's attachments may weigh together",
  },
};
