/**
 * An OAuth2 authorization server for tests, standing in for Microsoft's and Google's token
 * endpoints: it issues short-lived access tokens by the three grants Mailroom uses (client
 * credentials, refresh token, a service account's JWT bearer assertion, checked against
 * its public key), plus the device and browser sign-ins of `npm run authorize`. Dovecot and
 * the SMTP capture ask it whether a token is valid (RFC 7662 introspection), so a token it
 * has let expire is refused by the real servers too. It counts requests and can refuse.
 *
 * The token endpoint is HTTPS with the test certificate (the bot trusts it through
 * NODE_EXTRA_CA_CERTS, as an admin would a private CA); introspection is plain HTTP on
 * loopback, for Dovecot.
 */
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { testCertificate } from './test-tls.js';

export interface TokenServerOptions {
  /** The mailbox every token is for (what Dovecot is told the token's user is). */
  user: string;
  clientId?: string;
  clientSecret?: string;
  /** Seconds an access token lives. */
  lifetimeS?: number;
  /** Hand out a new refresh token with each refresh, as Microsoft does (the old one stays valid). */
  rotateRefreshTokens?: boolean;
}

interface IssuedAccessToken {
  user: string;
  expiresAt: number;
}

export interface ServiceAccount {
  clientEmail: string;
  /** Path of the key file as Google's console gives it. */
  file: string;
}

const GOOGLE_MAIL_SCOPE = 'https://mail.google.com/';

export class TokenServer {
  readonly clientId: string;
  readonly clientSecret: string;
  lifetimeS: number;
  /** Every grant asked for, in order (`client_credentials`, `refresh_token`, `jwt-bearer`, …). */
  readonly requests: string[] = [];
  /** Every access token issued, to prove none of them reaches a log. */
  readonly issued: string[] = [];
  /** Set: every token request is answered with this OAuth error. */
  refuse: { error: string; description?: string; status?: number } | undefined;
  readonly refreshTokens = new Map<string, string>();
  #accessTokens = new Map<string, IssuedAccessToken>();
  #publicKeys = new Map<string, KeyObject>();
  #devices = new Map<string, { userCode: string; approved: boolean }>();
  #codes = new Map<string, { challenge: string; redirectUri: string }>();
  #https: https.Server;
  #http: http.Server;

  constructor(readonly options: TokenServerOptions) {
    this.clientId = options.clientId ?? 'mailroom-test-client';
    this.clientSecret = options.clientSecret ?? `secret-${randomBytes(8).toString('hex')}`;
    this.lifetimeS = options.lifetimeS ?? 30;
    const tls = testCertificate();
    this.#https = https.createServer(
      { key: tls.key, cert: tls.cert },
      (request, response) => void this.#handle(request, response),
    );
    this.#http = http.createServer((request, response) => void this.#handle(request, response));
  }

  async start(): Promise<this> {
    await Promise.all(
      [this.#https, this.#http].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))),
    );
    return this;
  }

  stop(): Promise<void> {
    return Promise.all(
      [this.#https, this.#http].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    ).then(() => {});
  }

  get baseUrl(): string {
    return `https://127.0.0.1:${(this.#https.address() as AddressInfo).port}`;
  }
  get tokenUrl(): string {
    return `${this.baseUrl}/token`;
  }
  get introspectionUrl(): string {
    return `http://127.0.0.1:${(this.#http.address() as AddressInfo).port}/introspect`;
  }

  /** Whether `token` is a live access token for `user` (what Dovecot and SMTP check). */
  valid(user: string, token: string): boolean {
    const issued = this.#accessTokens.get(token);
    return !!issued && issued.user === user && issued.expiresAt > Date.now();
  }

  /** A token handed straight to a test's own IMAP client (not counted as a grant). */
  issueForTest(): string {
    return String(this.#issue(this.options.user, false).access_token);
  }

  /** Revokes every access token issued so far, as an admin revoking sessions does. */
  revokeAll(): void {
    this.#accessTokens.clear();
  }

  /** A refresh token, as a person's earlier sign-in would have left. */
  refreshTokenFor(user = this.options.user): string {
    const token = `rt-${randomBytes(12).toString('hex')}`;
    this.refreshTokens.set(token, user);
    return token;
  }

  /** A Google service account key file whose JWTs this server accepts. */
  serviceAccount(dir: string): ServiceAccount {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const clientEmail = `mailroom@test-project.iam.gserviceaccount.example`;
    const keyId = randomBytes(8).toString('hex');
    this.#publicKeys.set(clientEmail, publicKey);
    const file = `${dir}/service-account.json`;
    writeFileSync(
      file,
      JSON.stringify({
        type: 'service_account',
        client_email: clientEmail,
        private_key_id: keyId,
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        token_uri: this.tokenUrl,
      }),
    );
    return { clientEmail, file };
  }

  /** A person entered the code shown by `npm run authorize -- --device` and signed in. */
  approveDevice(userCode: string): boolean {
    for (const device of this.#devices.values()) {
      if (device.userCode === userCode) return (device.approved = true);
    }
    return false;
  }

  #issue(user: string, withRefresh: boolean): Record<string, unknown> {
    const token = `at-${randomBytes(16).toString('hex')}`;
    this.#accessTokens.set(token, { user, expiresAt: Date.now() + this.lifetimeS * 1000 });
    this.issued.push(token);
    const answer: Record<string, unknown> = { access_token: token, token_type: 'Bearer', expires_in: this.lifetimeS };
    if (withRefresh) answer.refresh_token = this.refreshTokenFor(user);
    return answer;
  }

  async #handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const send = (status: number, body: unknown) => {
      response
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(body));
    };
    const refuse = (error: string, description?: string, status = 400) =>
      send(status, { error, ...(description ? { error_description: description } : {}) });
    try {
      if (url.pathname === '/introspect') {
        const issued = this.#accessTokens.get(form.get('token') ?? '');
        send(
          200,
          issued && issued.expiresAt > Date.now() ? { active: true, username: issued.user } : { active: false },
        );
      } else if (url.pathname === '/devicecode') {
        if (form.get('client_id') !== this.clientId) return refuse('invalid_client');
        const deviceCode = randomBytes(12).toString('hex');
        const userCode = randomBytes(3).toString('hex').toUpperCase();
        this.#devices.set(deviceCode, { userCode, approved: false });
        send(200, {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: `${this.baseUrl}/device`,
          expires_in: 300,
          interval: 1,
        });
      } else if (url.pathname === '/authorize') {
        // The person signs in at once and the browser is sent back with a code.
        const redirectUri = url.searchParams.get('redirect_uri') ?? '';
        if (url.searchParams.get('client_id') !== this.clientId || !/^http:\/\/127\.0\.0\.1:\d+\//.test(redirectUri))
          return refuse('invalid_request');
        const code = randomBytes(12).toString('hex');
        this.#codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', redirectUri });
        const back = new URL(redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        response.writeHead(302, { location: back.toString() }).end();
      } else if (url.pathname === '/token') {
        await this.#token(form, send, refuse);
      } else {
        response.writeHead(404).end();
      }
    } catch (error) {
      refuse('invalid_request', (error as Error).message);
    }
  }

  async #token(
    form: URLSearchParams,
    send: (status: number, body: unknown) => void,
    refuse: (error: string, description?: string, status?: number) => void,
  ): Promise<void> {
    const grant = form.get('grant_type') ?? '';
    this.requests.push(grant.replace('urn:ietf:params:oauth:grant-type:', ''));
    if (this.refuse) return refuse(this.refuse.error, this.refuse.description, this.refuse.status ?? 400);
    const clientOk = form.get('client_id') === this.clientId && form.get('client_secret') === this.clientSecret;
    switch (grant) {
      case 'client_credentials':
        if (!clientOk) return refuse('invalid_client', 'AADSTS7000215: Invalid client secret provided.', 401);
        return send(200, this.#issue(this.options.user, false));
      case 'refresh_token': {
        const user = this.refreshTokens.get(form.get('refresh_token') ?? '');
        if (form.get('client_id') !== this.clientId) return refuse('invalid_client');
        if (!user) return refuse('invalid_grant', 'Token has been expired or revoked.');
        return send(200, this.#issue(user, this.options.rotateRefreshTokens ?? false));
      }
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer': {
        const assertion = form.get('assertion') ?? '';
        const issuer = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as {
          iss?: string;
        };
        const key = this.#publicKeys.get(issuer.iss ?? '');
        if (!key) return refuse('invalid_client', 'The OAuth client was not found.');
        const { payload } = await jwtVerify(assertion, key, { audience: this.tokenUrl, issuer: issuer.iss });
        if (
          !String(payload.scope ?? '')
            .split(' ')
            .includes(GOOGLE_MAIL_SCOPE)
        ) {
          return refuse(
            'unauthorized_client',
            'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
          );
        }
        return send(200, this.#issue(String(payload.sub), false));
      }
      case 'urn:ietf:params:oauth:grant-type:device_code': {
        const device = this.#devices.get(form.get('device_code') ?? '');
        if (!device) return refuse('expired_token');
        if (!device.approved) return refuse('authorization_pending');
        this.#devices.delete(form.get('device_code')!);
        return send(200, this.#issue(this.options.user, true));
      }
      case 'authorization_code': {
        const code = this.#codes.get(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (!code || code.challenge !== challenge || code.redirectUri !== form.get('redirect_uri'))
          return refuse('invalid_grant', 'PKCE or redirect mismatch');
        this.#codes.delete(form.get('code')!);
        return send(200, this.#issue(this.options.user, true));
      }
      default:
        return refuse('unsupported_grant_type');
    }
  }
}

export function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  return new TokenServer(options).start();
}
