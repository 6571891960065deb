/**
 * What a refused or failed token request means for the admin, in their terms: which
 * setting to fix or which step of the provider's set-up is missing. Microsoft's answers
 * carry an AADSTS code in `error_description`; Google's a short `error` and a sentence.
 * Messages quote the provider's code and description, never a secret or a token.
 */
import * as oauth from 'oauth4webapi';
import type { TOAuthSettings } from '../../config/config-schema.js';
import { TokenRequestError } from '../../errors.js';

const AUTHORIZE_AGAIN = 'run `npm run authorize` again and put the new token in OAUTH_REFRESH_TOKEN';
const CONSENT_MISSING =
  'admin consent is missing — in the app registration, API permissions → Grant admin consent for the organisation';

/** Microsoft's AADSTS codes an admin meets while setting up, and what fixes each. */
const MICROSOFT_ADVICE: Record<string, string> = {
  AADSTS7000215:
    "the client secret is wrong — copy the secret's Value (not its Secret ID) from Certificates & secrets into OAUTH_CLIENT_SECRET",
  AADSTS7000222:
    'the client secret has expired — add a new one under Certificates & secrets and put its Value in OAUTH_CLIENT_SECRET',
  AADSTS700016:
    'no app with this client ID in the tenant — check OAUTH_CLIENT_ID (Application (client) ID) and OAUTH_TENANT_ID (Directory (tenant) ID)',
  AADSTS90002:
    "the tenant does not exist — check OAUTH_TENANT_ID (Directory (tenant) ID on the app registration's Overview page)",
  AADSTS900023: 'the tenant ID is malformed — check OAUTH_TENANT_ID',
  AADSTS65001: CONSENT_MISSING,
  AADSTS1003031: CONSENT_MISSING,
  AADSTS70011:
    'the scope is not valid for this grant — leave OAUTH_SCOPE unset or use https://outlook.office365.com/.default for app-only access',
  AADSTS700082: `the refresh token has expired — ${AUTHORIZE_AGAIN}`,
  AADSTS70008: `the refresh token has expired — ${AUTHORIZE_AGAIN}`,
  AADSTS50173:
    'the refresh token was revoked (the password changed or sessions were revoked) — run `npm run authorize` again',
  AADSTS700024: 'the client assertion is not valid — check the system clock of this machine',
};

function advice(settings: TOAuthSettings, error: string, description: string): { code: string; text: string } {
  const aadsts = /AADSTS\d+/.exec(description)?.[0];
  if (aadsts && MICROSOFT_ADVICE[aadsts]) return { code: aadsts, text: MICROSOFT_ADVICE[aadsts]! };
  const { grant } = settings;
  if (error === 'unauthorized_client' && grant.kind === 'service_account') {
    return {
      code: error,
      text: `domain-wide delegation is missing or lacks the scope — in the Google Admin console, Security → Access and data control → API controls → Domain-wide delegation, add the service account's client ID with the scope ${grant.scope}`,
    };
  }
  if (error === 'invalid_grant' && grant.kind === 'service_account') {
    return {
      code: error,
      text: "the mailbox cannot be impersonated — check that IMAP_USER is a user of the Google Workspace domain and that this machine's clock is right",
    };
  }
  if (error === 'invalid_grant' && grant.kind === 'refresh_token')
    return { code: error, text: `the refresh token has expired or was revoked — ${AUTHORIZE_AGAIN}` };
  if (error === 'invalid_client' || error === 'unauthorized_client') {
    return { code: error, text: 'the client was refused — check OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET' };
  }
  if (error === 'invalid_scope')
    return {
      code: error,
      text: "the scope was refused — check OAUTH_SCOPE (or leave it unset for the provider's default)",
    };
  if (error === 'consent_required' || error === 'access_denied' || error === 'admin_policy_enforced') {
    return {
      code: error,
      text: "access to the mailbox was not granted — an administrator must consent to the app's permissions",
    };
  }
  return { code: error, text: 'check the OAUTH_* settings' };
}

/** First line of the provider's own words, without trace and correlation ids. */
function providerWords(description: string): string {
  return description
    .split(/\r?\n/)[0]!
    .replace(/\s*Trace ID:.*$/i, '')
    .slice(0, 200);
}

/** Turns what a token request threw into a TokenRequestError that says what to do. */
export function describeTokenError(error: unknown, settings: TOAuthSettings): TokenRequestError {
  const where = new URL(settings.tokenUrl).host;
  if (error instanceof TokenRequestError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    const description = error.error_description ?? '';
    const { code, text } = advice(settings, error.error, description);
    const said = description ? `${error.error}: ${providerWords(description)}` : error.error;
    return new TokenRequestError('refused', `OAuth2 token refused by ${where} (${said}) — ${text}`, code);
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return new TokenRequestError(
      'refused',
      `OAuth2 token refused by ${where} (HTTP ${error.status}) — check OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET`,
      'invalid_client',
    );
  }
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return new TokenRequestError(
      'unreachable',
      `the token endpoint ${where} did not answer in time — check OAUTH_TOKEN_URL and the network`,
    );
  }
  if (error instanceof oauth.OperationProcessingError) {
    return new TokenRequestError(
      'unreachable',
      `the token endpoint ${where} gave an answer that is not a token (${err.message}) — check OAUTH_TOKEN_URL`,
    );
  }
  const reason = err.cause?.code ?? err.cause?.message ?? err.message ?? String(error);
  return new TokenRequestError(
    'unreachable',
    `the token endpoint ${where} cannot be reached (${reason}) — check OAUTH_TOKEN_URL and the network`,
  );
}
