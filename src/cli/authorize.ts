/**
 * `npm run authorize -- [--mailbox KEY] [--device | --browser]`: the one-time sign-in
 * that gives a mailbox its refresh token, for the refresh-token grant (a Gmail or Outlook
 * account authorised by a person, where app-only access is not wanted or not possible).
 *
 * `--device` (the default for Microsoft 365): prints a code to enter at the provider's
 * page from any browser, on any device; nothing has to reach this machine.
 * `--browser` (the default elsewhere; Google allows Gmail's scope only this way): prints
 * an address to open; the provider sends the browser back to a one-shot listener on
 * 127.0.0.1 (over SSH: `ssh -L PORT:127.0.0.1:PORT`, with `--port PORT`).
 *
 * The refresh token is printed for the admin to put in OAUTH_REFRESH_TOKEN; it is never
 * logged anywhere else.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import * as oauth from 'oauth4webapi';
import { z } from 'zod';
import { MAIL_PROVIDERS, ZMailAuth } from '../config/config-schema.js';
import { readEnvironment, readRawMailboxes } from '../config/load-config.js';
import { PROVIDER_PRESETS, providerEndpoints } from '../config/mail-providers.js';
import { describeTokenError } from '../mail/oauth/oauth-errors.js';
import { authorizationServer, clientAuthentication } from '../mail/oauth/token-grants.js';
import { EXIT } from './exit-codes.js';

const WAIT_LIMIT_MS = 15 * 60_000;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(EXIT.badConfig);
}

const { values: args } = parseArgs({
  options: {
    mailbox: { type: 'string' },
    device: { type: 'boolean' },
    browser: { type: 'boolean' },
    port: { type: 'string' },
  },
});

const problems: string[] = [];
const env = readEnvironment();
const mailboxes = readRawMailboxes(env, process.cwd(), problems) ?? [];
if (problems.length) fail(problems.join('\n'));
const raw = args.mailbox ? mailboxes.find((mailbox) => mailbox.key === args.mailbox) : mailboxes[0];
if (!raw) fail(`No mailbox "${args.mailbox}" in ${env.MAILROOM_CONFIG ?? 'the configuration'}.`);

const provider = z.enum(MAIL_PROVIDERS).default('generic').safeParse(raw.provider);
const auth = ZMailAuth.safeParse(raw.auth ?? {});
if (!provider.success || !auth.success)
  fail('MAIL_PROVIDER or an OAUTH_* setting is invalid: run `npm run doctor` to see which.');
const settings = auth.data;
if (!settings.clientId)
  fail('OAUTH_CLIENT_ID is missing: the client ID of the app registration (Microsoft) or OAuth client (Google).');

const endpoints = providerEndpoints(provider.data, settings);
if (!endpoints.tokenUrl)
  fail(
    provider.data === 'microsoft365'
      ? 'OAUTH_TENANT_ID is missing: the Directory (tenant) ID.'
      : 'OAUTH_TOKEN_URL is missing.',
  );
const scope = settings.scope ?? PROVIDER_PRESETS[provider.data].scope?.delegated;
if (!scope)
  fail('OAUTH_SCOPE is missing: the scopes that give IMAP and SMTP access (and offline access, for a refresh token).');
const user =
  typeof (raw.imap as { user?: unknown } | undefined)?.user === 'string'
    ? (raw.imap as { user: string }).user
    : undefined;

const useDevice = args.device ?? (args.browser ? false : provider.data === 'microsoft365');
const as = authorizationServer({ ...endpoints, tokenUrl: endpoints.tokenUrl });
const client: oauth.Client = { client_id: settings.clientId };
const clientAuth = clientAuthentication(settings.clientSecret);
const tokenSettings = {
  provider: provider.data,
  tokenUrl: endpoints.tokenUrl,
  grant: { kind: 'refresh_token' as const, clientId: settings.clientId, refreshToken: '' },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** RFC 8628: show the code, then poll until the person has signed in (or gave up). */
async function deviceFlow(): Promise<oauth.TokenEndpointResponse> {
  if (!as.device_authorization_endpoint)
    fail("OAUTH_DEVICE_AUTHORIZATION_URL is missing: the provider's device authorization endpoint (or use --browser).");
  const started = await oauth.deviceAuthorizationRequest(as, client, clientAuth, { scope: scope! });
  const device = await oauth.processDeviceAuthorizationResponse(as, client, started);
  console.log(
    `Sign in as ${user ?? 'the mailbox user'}: open ${device.verification_uri_complete ?? device.verification_uri}`,
  );
  console.log(`and enter the code ${device.user_code}`);
  console.log('Waiting for the sign-in…');
  let interval = (device.interval ?? 5) * 1000;
  const until = Date.now() + Math.min(device.expires_in * 1000, WAIT_LIMIT_MS);
  while (Date.now() < until) {
    await sleep(interval);
    const polled = await oauth.deviceCodeGrantRequest(as, client, clientAuth, device.device_code);
    try {
      return await oauth.processDeviceCodeResponse(as, client, polled);
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError && error.error === 'authorization_pending') continue;
      if (error instanceof oauth.ResponseBodyError && error.error === 'slow_down') {
        interval += 5_000;
        continue;
      }
      throw error;
    }
  }
  fail('The code expired before the sign-in finished; run the command again.');
}

/** Authorization code with PKCE, the browser sent back to a listener on 127.0.0.1. */
async function browserFlow(): Promise<oauth.TokenEndpointResponse> {
  if (!as.authorization_endpoint)
    fail("OAUTH_AUTHORIZATION_URL is missing: the provider's authorization endpoint (or use --device).");
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(Number(args.port ?? 0), '127.0.0.1', resolve));
  const redirectUri = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId!,
    redirect_uri: redirectUri,
    scope: scope!,
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    // Google hands out a refresh token only for offline access, and again only on consent.
    access_type: 'offline',
    prompt: 'consent',
    ...(user ? { login_hint: user } : {}),
  }).toString();
  console.log(`Sign in as ${user ?? 'the mailbox user'}: open this address in a browser`);
  console.log(url.toString());
  console.log(`Waiting for the browser to come back to ${redirectUri} …`);
  const callback = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no sign-in within 15 minutes')), WAIT_LIMIT_MS);
    server.on('request', (request, response) => {
      const returned = new URL(request.url ?? '/', redirectUri);
      if (!returned.searchParams.has('state')) {
        response.writeHead(404).end();
        return;
      }
      response
        .writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
        .end('Mailroom: signed in. You can close this window and return to the terminal.\n');
      clearTimeout(timer);
      resolve(returned);
    });
  });
  server.close();
  const parameters = oauth.validateAuthResponse(as, client, callback.searchParams, state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, parameters, redirectUri, verifier);
  return oauth.processAuthorizationCodeResponse(as, client, response);
}

try {
  const tokens = useDevice ? await deviceFlow() : await browserFlow();
  if (!tokens.refresh_token) {
    fail(
      `Signed in, but ${new URL(endpoints.tokenUrl).host} gave no refresh token: add offline access to OAUTH_SCOPE (Microsoft: offline_access) and run the command again.`,
    );
  }
  const where = env.MAILROOM_CONFIG
    ? `auth.refreshToken of mailbox "${raw.key}" in ${env.MAILROOM_CONFIG} (or an environment variable it names)`
    : 'OAUTH_REFRESH_TOKEN (in .env or the environment)';
  console.log('');
  console.log(
    `Refresh token for ${user ?? 'the mailbox'} — keep it secret; put it in ${where}, then run \`npm run doctor\`:`,
  );
  console.log(tokens.refresh_token);
  process.exit(EXIT.ok);
} catch (error) {
  const described =
    error instanceof oauth.AuthorizationResponseError
      ? `${error.error}: ${error.error_description ?? ''}`
      : describeTokenError(error, tokenSettings).message;
  process.stderr.write(`Authorisation failed: ${described}\n`);
  process.exit(EXIT.failure);
}
