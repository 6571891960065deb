/**
 * The token cache of a mailbox: one request however many connections ask at once, the
 * same token until it nears its end, a new one when a server refused the last, and the
 * provider's refusal turned into what to fix. (The grants themselves are tested against
 * the test token server through the doctor and the bot: test/app/oauth-mailbox.test.ts.)
 */
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import type { TOAuthSettings } from '../../src/config/config-schema.js';
import { TokenRequestError } from '../../src/errors.js';
import { OAuthTokenSource } from '../../src/mail/oauth/token-source.js';

const SETTINGS: TOAuthSettings = {
  provider: 'microsoft365',
  tokenUrl: 'https://login.microsoftonline.com/contoso/oauth2/v2.0/token',
  grant: { kind: 'client_credentials', clientId: 'app', clientSecret: 'secret' },
};

function counter(lifetimeS = 3600) {
  let clock = 1_000_000;
  const asked: (string | undefined)[] = [];
  const source = new OAuthTokenSource(
    SETTINGS,
    async (_settings, refreshToken) => {
      asked.push(refreshToken);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { accessToken: `token-${asked.length}`, expiresIn: lifetimeS, refreshToken: `rotated-${asked.length}` };
    },
    () => clock,
  );
  return { source, asked, advance: (ms: number) => (clock += ms) };
}

describe('OAuthTokenSource', () => {
  it('asks the provider once for many callers, and reuses the token until shortly before it expires', async () => {
    const { source, asked, advance } = counter(3600);
    const tokens = await Promise.all([source.accessToken(), source.accessToken(), source.accessToken()]);
    expect(tokens).toEqual(['token-1', 'token-1', 'token-1']);
    advance(54 * 60_000);
    expect(await source.accessToken()).toBe('token-1');
    // Within five minutes of the end: a new one, with the refresh token the provider rotated to.
    advance(2 * 60_000);
    expect(await source.accessToken()).toBe('token-2');
    expect(asked).toEqual([undefined, 'rotated-1']);
    source.stop();
  });

  it('gives up a token a server refused, even if it has not expired', async () => {
    const { source, asked } = counter();
    expect(await source.accessToken()).toBe('token-1');
    expect(await source.accessToken({ renew: true })).toBe('token-2');
    expect(await source.accessToken()).toBe('token-2');
    expect(asked).toHaveLength(2);
    source.stop();
  });

  it('refreshes ahead by itself, so a reconnect does not wait for the provider', async () => {
    const { source, asked } = (() => {
      const asked: number[] = [];
      const source = new OAuthTokenSource(SETTINGS, async () => {
        asked.push(Date.now());
        return { accessToken: `token-${asked.length}`, expiresIn: 0.4 };
      });
      return { source, asked };
    })();
    await source.accessToken();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(asked.length).toBeGreaterThanOrEqual(2);
    source.stop();
    const after = asked.length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(asked.length).toBe(after);
  });

  it("turns the provider's refusal into what to fix, and a dead endpoint into a retryable problem", async () => {
    const refusing = new OAuthTokenSource(SETTINGS, async () => {
      throw new oauth.ResponseBodyError('server responded with an error in the response body', {
        cause: {
          error: 'invalid_client',
          error_description: 'AADSTS7000222: The provided client secret keys for app are expired.\r\nTrace ID: abc',
        },
        response: new Response(null, { status: 401 }),
      });
    });
    const refused = await refusing.accessToken().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TokenRequestError);
    expect(refused).toMatchObject({ problem: 'refused', providerCode: 'AADSTS7000222' });
    expect((refused as Error).message).toBe(
      'OAuth2 token refused by login.microsoftonline.com (invalid_client: AADSTS7000222: The provided client secret keys for app are expired.) — the client secret has expired — add a new one under Certificates & secrets and put its Value in OAUTH_CLIENT_SECRET',
    );

    const unreachable = new OAuthTokenSource(SETTINGS, async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } });
    });
    await expect(unreachable.accessToken()).rejects.toMatchObject({
      problem: 'unreachable',
      message: expect.stringContaining('cannot be reached (ENOTFOUND)'),
    });
  });
});
