import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Most of a test's time is waiting (for Dovecot, IDLE notifications, Slack pacing,
    // lease expiry), not computing: three files at once on a 2-core machine took the
    // suite from ~330 s to ~140 s. Vitest's default here would be one (cores − 1).
    maxWorkers: 3,
    // Loud skips and the bot's own output stay readable.
    reporters: ['default'],
  },
});
