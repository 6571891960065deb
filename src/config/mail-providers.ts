/**
 * What `MAIL_PROVIDER` fills in for a mailbox: servers, ports, TLS, the OAuth2 token
 * endpoint and scopes, and whether a copy of a sent reply is appended to Sent. Anything a
 * preset fills can still be set by hand; a preset only fills what is unset.
 */
import type { TMailAuth, TMailProvider, TOAuthGrant, TOAuthSettings } from './config-schema.js';

interface ServerPreset {
  host: string;
  port: number;
  secure: boolean;
}

interface ProviderPreset {
  imap?: ServerPreset;
  smtp?: ServerPreset;
  /** The token endpoint; Microsoft's is per tenant. */
  tokenUrl?: (tenant: string | undefined) => string | undefined;
  authorizationUrl?: (tenant: string | undefined) => string | undefined;
  deviceAuthorizationUrl?: (tenant: string | undefined) => string | undefined;
  /** Scopes when none are configured: app-only access, and a person's delegated sign-in. */
  scope?: { app: string; delegated: string };
  /** The provider keeps a copy of what was sent through its SMTP in Sent already. */
  keepsSentCopy: boolean;
}

const microsoft = (tenant: string | undefined, endpoint: string) =>
  tenant ? `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/${endpoint}` : undefined;

export const PROVIDER_PRESETS: Record<TMailProvider, ProviderPreset> = {
  generic: { keepsSentCopy: false },
  google: {
    imap: { host: 'imap.gmail.com', port: 993, secure: true },
    smtp: { host: 'smtp.gmail.com', port: 465, secure: true },
    tokenUrl: () => 'https://oauth2.googleapis.com/token',
    authorizationUrl: () => 'https://accounts.google.com/o/oauth2/v2/auth',
    deviceAuthorizationUrl: () => 'https://oauth2.googleapis.com/device/code',
    // Gmail's IMAP and SMTP accept only the full-mail scope.
    scope: { app: 'https://mail.google.com/', delegated: 'https://mail.google.com/' },
    keepsSentCopy: true,
  },
  microsoft365: {
    imap: { host: 'outlook.office365.com', port: 993, secure: true },
    // Microsoft 365 takes SMTP AUTH on 587 with STARTTLS only.
    smtp: { host: 'smtp.office365.com', port: 587, secure: false },
    tokenUrl: (tenant) => microsoft(tenant, 'token'),
    authorizationUrl: (tenant) => microsoft(tenant, 'authorize'),
    deviceAuthorizationUrl: (tenant) => microsoft(tenant, 'devicecode'),
    scope: {
      // App-only (IMAP.AccessAsApp, SMTP.SendAsApp) is granted as the resource's .default.
      app: 'https://outlook.office365.com/.default',
      delegated: 'https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access',
    },
    keepsSentCopy: true,
  },
};

type RawServer = Record<string, unknown> | undefined;

function fillServer(raw: RawServer, preset: ServerPreset | undefined): RawServer {
  if (!preset) return raw;
  const server = { ...(raw ?? {}) };
  for (const key of ['host', 'port', 'secure'] as const) if (server[key] === undefined) server[key] = preset[key];
  return server;
}

/**
 * A raw mailbox (before validation) with the provider's servers filled in where unset. An
 * unknown provider is left for the schema to report.
 */
export function applyProviderPreset(raw: Record<string, unknown>): Record<string, unknown> {
  const preset = PROVIDER_PRESETS[raw.provider as TMailProvider] as ProviderPreset | undefined;
  if (!preset) return raw;
  return {
    ...raw,
    imap: fillServer(raw.imap as RawServer, preset.imap),
    smtp: fillServer(raw.smtp as RawServer, preset.smtp),
  };
}

/** What a Google service-account key file holds that the JWT-bearer grant needs. */
export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  keyId?: string;
  tokenUri?: string;
}

/** The provider's endpoints for a mailbox: the configured ones, else the preset's (Microsoft's per tenant). */
export function providerEndpoints(
  provider: TMailProvider,
  auth: TMailAuth,
): Pick<Partial<TOAuthSettings>, 'tokenUrl' | 'authorizationUrl' | 'deviceAuthorizationUrl'> {
  const preset = PROVIDER_PRESETS[provider];
  const tenant = auth.tenantId;
  return {
    tokenUrl: auth.tokenUrl ?? preset.tokenUrl?.(tenant),
    authorizationUrl: auth.authorizationUrl ?? preset.authorizationUrl?.(tenant),
    deviceAuthorizationUrl: auth.deviceAuthorizationUrl ?? preset.deviceAuthorizationUrl?.(tenant),
  };
}

/**
 * The OAuth2 settings of a validated mailbox: the grant chosen by what is configured (a
 * service-account key, else a refresh token, else client credentials) and the endpoint
 * and scope, from the configuration or else the provider.
 */
export function resolveOAuth(
  provider: TMailProvider,
  auth: TMailAuth,
  user: string,
  serviceAccount?: ServiceAccountKey,
): TOAuthSettings {
  const preset = PROVIDER_PRESETS[provider];
  let grant: TOAuthGrant;
  if (serviceAccount) {
    grant = {
      kind: 'service_account',
      clientEmail: serviceAccount.clientEmail,
      privateKey: serviceAccount.privateKey,
      keyId: serviceAccount.keyId,
      subject: user,
      scope: auth.scope ?? preset.scope?.app ?? PROVIDER_PRESETS.google.scope!.app,
    };
  } else if (auth.refreshToken) {
    grant = {
      kind: 'refresh_token',
      clientId: auth.clientId!,
      clientSecret: auth.clientSecret,
      refreshToken: auth.refreshToken,
      scope: auth.scope ?? preset.scope?.delegated,
    };
  } else {
    grant = {
      kind: 'client_credentials',
      clientId: auth.clientId!,
      clientSecret: auth.clientSecret!,
      scope: auth.scope ?? preset.scope?.app,
    };
  }
  const endpoints = providerEndpoints(provider, auth);
  // A service account's key file names Google's endpoint; the configuration may override it.
  const tokenUrl =
    auth.tokenUrl ?? serviceAccount?.tokenUri ?? endpoints.tokenUrl ?? PROVIDER_PRESETS.google.tokenUrl!(undefined)!;
  return { ...endpoints, provider, tokenUrl, grant };
}

/** `auto` is `never` for providers that keep what their SMTP sent, `append` elsewhere. */
export function resolveSentCopy(provider: TMailProvider, policy: 'auto' | 'append' | 'never'): 'append' | 'never' {
  if (policy !== 'auto') return policy;
  return PROVIDER_PRESETS[provider].keepsSentCopy ? 'never' : 'append';
}
