/**
 * Gates for tests that need a real Dovecot or PostgreSQL. When the service is missing the
 * tests are skipped with a loud warning, except under CI=true, where a missing service
 * fails the run: CI must never go green by testing less.
 */
import { describe, inject, it } from 'vitest';
import type { DovecotInfo } from './dovecot.js';

function gate<T>(service: string, info: T | null, howToGet: string) {
  return (name: string, body: (info: T) => void): void => {
    if (info) {
      describe(name, () => body(info));
      return;
    }
    const message = `${service} is not available: ${howToGet}`;
    if (process.env.CI === 'true') {
      describe(name, () =>
        it(`needs ${service}`, () => {
          throw new Error(`${message} (CI=true: required)`);
        }),
      );
      return;
    }
    console.warn(`\n!!! SKIPPED "${name}": ${message}\n`);
    describe.skip(name, () => it(`needs ${service}`, () => {}));
  };
}

export const describeWithDovecot = gate<DovecotInfo>(
  'Dovecot',
  inject('dovecot'),
  'run `apt-get install -y dovecot-imapd` (as root)',
);
export const describeWithPostgres = gate<string>(
  'PostgreSQL',
  inject('postgresUrl'),
  'start PostgreSQL on 127.0.0.1:5432 with trust auth, or set MAILROOM_TEST_PG_URL',
);
