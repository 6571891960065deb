/** Shared by the benchmarks: percentiles, the machine line, and a running bot. */
import os from 'node:os';
import { startDovecot, type DovecotInfo } from '../test/support/dovecot.js';
import { startFixture, type Fixture } from '../test/support/fixture.js';
import { buildCompiled, MailroomProcess } from '../test/support/mailroom-process.js';
import { waitFor } from '../test/support/net.js';

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Slack's pace for chat.postMessage: about one a second per channel, short bursts. */
export const SLACK_POST_LIMIT = { perSecond: 1, burst: 3 };

export async function startWorld(
  env: Record<string, string> = {},
  options: {
    postLimit?: { perSecond: number; burst: number };
    /** More of the bot's environment, from the running Dovecot (e.g. a proxy in front of it). */
    envFor?: (dovecot: DovecotInfo) => Promise<Record<string, string>>;
  } = {},
) {
  buildCompiled();
  const dovecot = await startDovecot();
  const fixture: Fixture = await startFixture(dovecot, options);
  const more = (await options.envFor?.(dovecot)) ?? {};
  const bot = new MailroomProcess('src/main.ts', fixture.env({ LOG_LEVEL: 'warn', ...env, ...more }), fixture.dir);
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${fixture.port}/healthz`).catch(() => null))?.status === 200,
    30_000,
    'a healthy bot',
  );
  return {
    dovecot,
    fixture,
    bot,
    stop: async () => {
      await bot.stop();
      await fixture.close();
      await dovecot.stop();
    },
  };
}
