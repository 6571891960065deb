/**
 * Token buckets that keep the poster within Slack's limits: one per channel for
 * chat.postMessage (about one a second, short bursts), one for chat.update (per
 * workspace), one for the file methods (per workspace). A 429 pauses only its bucket for
 * the Retry-After; the Web API client is told not to pause itself, which would stall every
 * channel.
 */
export interface Pace {
  /** Sustained calls per second. */
  rate: number;
  /** Calls that may go at once after a quiet spell. */
  burst: number;
}

/**
 * Added to every wait for a token: a call leaves a little after its token is taken and
 * arrives with some jitter, and at exactly Slack's rate every other one would be answered
 * 429 (and cost a pause of a second or more).
 */
const MARGIN_MS = 30;

interface Bucket {
  tokens: number;
  updatedAt: number;
  pausedUntil: number;
}

export class PostPacer {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly stopped: () => boolean) {}

  #bucket(key: string, burst: number): Bucket {
    const bucket = this.#buckets.get(key) ?? { tokens: burst, updatedAt: Date.now(), pausedUntil: 0 };
    this.#buckets.set(key, bucket);
    return bucket;
  }

  /** Waits until `key` may be called again; false when the poster is stopping. */
  async take(key: string, { rate, burst }: Pace): Promise<boolean> {
    const bucket = this.#bucket(key, burst);
    for (;;) {
      if (this.stopped()) return false;
      const now = Date.now();
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
      bucket.updatedAt = now;
      const wait = Math.max(
        bucket.pausedUntil - now,
        bucket.tokens >= 1 ? 0 : ((1 - bucket.tokens) / rate) * 1000 + MARGIN_MS,
      );
      if (wait <= 0) {
        bucket.tokens -= 1;
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Slack answered 429: nothing more on `key` for `seconds`. */
  pause(key: string, seconds: number, pace: Pace): void {
    this.#bucket(key, pace.burst).pausedUntil = Date.now() + seconds * 1000;
  }
}
