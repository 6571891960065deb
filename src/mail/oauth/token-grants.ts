/**
 * One request to the identity provider's token endpoint for each of the three grants a
 * mailbox can use: client credentials (Microsoft 365 app-only access), refresh token (an
 * account authorised once with `npm run authorize`) and the JWT-bearer grant of a Google
 * service account with domain-wide delegation. oauth4webapi does the protocol (request
 * shape, response validation, OAuth error bodies); jose signs the service account's JWT.
 */
import { SignJWT, importPKCS8 } from 'jose';
import * as oauth from 'oauth4webapi';
import type { TOAuthGrant, TOAuthSettings } from '../../config/config-schema.js';

/** A token endpoint that does not answer within this is treated as unreachable. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Lifetime of a service account's signed assertion (Google accepts at most one hour). */
const ASSERTION_LIFETIME_S = 3_600;

export interface IssuedToken {
  accessToken: string;
  /** Seconds, as the provider said; undefined when it did not say. */
  expiresIn?: number;
  /** A provider that rotates refresh tokens (Microsoft) hands out the next one. */
  refreshToken?: string;
}

export function authorizationServer(
  settings: Pick<TOAuthSettings, 'tokenUrl' | 'authorizationUrl' | 'deviceAuthorizationUrl'>,
): oauth.AuthorizationServer {
  return {
    issuer: new URL(settings.tokenUrl).origin,
    token_endpoint: settings.tokenUrl,
    authorization_endpoint: settings.authorizationUrl,
    device_authorization_endpoint: settings.deviceAuthorizationUrl,
  };
}

/** The client secret in the form body, as both Microsoft and Google accept it. */
export function clientAuthentication(clientSecret: string | undefined): oauth.ClientAuth {
  return clientSecret ? oauth.ClientSecretPost(clientSecret) : oauth.None();
}

/** The service account's assertion stands in for client authentication: nothing else is sent. */
const assertionOnly: oauth.ClientAuth = () => {};

async function signAssertion(
  grant: Extract<TOAuthGrant, { kind: 'service_account' }>,
  audience: string,
): Promise<string> {
  const key = await importPKCS8(grant.privateKey, 'RS256');
  return new SignJWT({ scope: grant.scope })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(grant.keyId ? { kid: grant.keyId } : {}) })
    .setIssuer(grant.clientEmail)
    .setSubject(grant.subject)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${ASSERTION_LIFETIME_S}s`)
    .sign(key);
}

/**
 * Asks the token endpoint for a new access token with the configured grant.
 * @throws oauth4webapi's errors (ResponseBodyError for an OAuth error answer), or a
 * network error; oauth-errors.ts turns either into advice.
 */
export async function requestAccessToken(settings: TOAuthSettings, refreshToken?: string): Promise<IssuedToken> {
  const as = authorizationServer(settings);
  const { grant } = settings;
  const options = { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  let response: Response;
  let client: oauth.Client;
  switch (grant.kind) {
    case 'client_credentials':
      client = { client_id: grant.clientId };
      response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        clientAuthentication(grant.clientSecret),
        grant.scope ? { scope: grant.scope } : {},
        options,
      );
      break;
    case 'refresh_token':
      client = { client_id: grant.clientId };
      response = await oauth.refreshTokenGrantRequest(
        as,
        client,
        clientAuthentication(grant.clientSecret),
        refreshToken ?? grant.refreshToken,
        {
          ...options,
          ...(grant.scope ? { additionalParameters: { scope: grant.scope } } : {}),
        },
      );
      break;
    case 'service_account':
      client = { client_id: grant.clientEmail };
      response = await oauth.genericTokenEndpointRequest(
        as,
        client,
        assertionOnly,
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
        { assertion: await signAssertion(grant, settings.tokenUrl) },
        options,
      );
      break;
  }
  const result = await oauth.processGenericTokenEndpointResponse(as, client, response);
  return { accessToken: result.access_token, expiresIn: result.expires_in, refreshToken: result.refresh_token };
}
