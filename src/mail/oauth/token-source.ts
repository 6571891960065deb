/**
 * The access tokens of one mailbox: fetched before they are needed, cached, refreshed
 * ahead of expiry, one request at a time however many connections ask at once, and never
 * logged. IMAP (every connect), the Sent copy and SMTP (every send) all ask here, so a
 * mailbox holds one token, not one per connection.
 */
import type { TOAuthSettings } from '../../config/config-schema.js';
import { TokenRequestError } from '../../errors.js';
import { describeTokenError } from './oauth-errors.js';
import { requestAccessToken, type IssuedToken } from './token-grants.js';

/** Refresh this long before expiry at the most (a quarter of the lifetime for short tokens). */
const REFRESH_AHEAD_MAX_MS = 5 * 60_000;
/** A provider that does not say how long a token lives: assume it is short. */
const ASSUMED_LIFETIME_S = 600;

export type TokenRequester = (settings: TOAuthSettings, refreshToken?: string) => Promise<IssuedToken>;

interface CachedToken {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

export class OAuthTokenSource {
  #cached: CachedToken | undefined;
  #pending: Promise<string> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Stopped: no more refreshing ahead. */
  #stopped = false;
  /** The newest refresh token, when the provider rotates them. */
  #refreshToken: string | undefined;
  /** Tokens fetched so far (doctor and metrics say how often the provider is asked). */
  fetched = 0;

  constructor(
    readonly settings: TOAuthSettings,
    private readonly request: TokenRequester = requestAccessToken,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A token valid for a while yet. `renew`: the server refused the one it was given (revoked,
   * or expired early), so never hand that one out again.
   * @throws TokenRequestError saying what to fix
   */
  async accessToken(options: { renew?: boolean } = {}): Promise<string> {
    if (options.renew) this.#cached = undefined;
    this.#stopped = false;
    const cached = this.#cached;
    if (cached && this.now() < cached.refreshAt) return cached.value;
    return this.#fetch();
  }

  /** When the token in hand expires (ms since epoch), for the doctor. */
  get expiresAt(): number | undefined {
    return this.#cached?.expiresAt;
  }

  /** Stops refreshing ahead (the process is stopping). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fetch(): Promise<string> {
    this.#pending ??= this.request(this.settings, this.#refreshToken)
      .then(
        (issued) => this.#keep(issued),
        (error: unknown) => {
          throw describeTokenError(error, this.settings);
        },
      )
      .finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  #keep(issued: IssuedToken): string {
    if (!issued.accessToken)
      throw new TokenRequestError(
        'refused',
        'the token endpoint answered without an access token — check OAUTH_TOKEN_URL',
      );
    this.fetched += 1;
    if (issued.refreshToken) this.#refreshToken = issued.refreshToken;
    const lifetimeMs = (issued.expiresIn && issued.expiresIn > 0 ? issued.expiresIn : ASSUMED_LIFETIME_S) * 1000;
    const issuedAt = this.now();
    const ahead = Math.min(REFRESH_AHEAD_MAX_MS, lifetimeMs / 4);
    this.#cached = {
      value: issued.accessToken,
      expiresAt: issuedAt + lifetimeMs,
      refreshAt: issuedAt + lifetimeMs - ahead,
    };
    this.#scheduleRefresh(lifetimeMs - ahead);
    return issued.accessToken;
  }

  /**
   * Fetches the next token before this one runs out, so a reconnect or a send does not wait
   * for the provider (one request per token lifetime, about an hour at the providers).
   */
  #scheduleRefresh(inMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopped) return;
      // A failure here is met again, and reported, by the next caller that needs a token.
      this.#fetch().catch(() => {});
    }, inMs);
    this.#timer.unref();
  }
}

const sources = new WeakMap<TOAuthSettings, OAuthTokenSource>();

/** The one token source of a mailbox (its IMAP and SMTP settings share the OAuth object). */
export function oauthTokens(settings: TOAuthSettings): OAuthTokenSource {
  let source = sources.get(settings);
  if (!source) sources.set(settings, (source = new OAuthTokenSource(settings)));
  return source;
}
