import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, redactDatabaseUrl } from '../../src/config/database-url.js';

describe('DATABASE_URL', () => {
  it('resolves SQLite paths against the working directory', () => {
    expect(parseDatabaseUrl('file:./data/mailroom.db', '/srv/mailroom')).toEqual({
      provider: 'sqlite',
      file: '/srv/mailroom/data/mailroom.db',
      url: 'file:/srv/mailroom/data/mailroom.db',
    });
    expect(parseDatabaseUrl('file:/var/lib/mailroom.db', '/x')).toMatchObject({ file: '/var/lib/mailroom.db' });
  });

  it('knows PostgreSQL and refuses anything else', () => {
    expect(parseDatabaseUrl('postgres://u@h/db')).toMatchObject({ provider: 'postgresql' });
    expect(parseDatabaseUrl('mysql://u@h/db')).toBeNull();
    expect(parseDatabaseUrl('file:')).toBeNull();
  });

  it('masks passwords wherever the URL carries them', () => {
    expect(redactDatabaseUrl('postgresql://mailroom:s3cr@t@db:5432/mailroom')).not.toMatch(/s3cr|@t@/);
    expect(redactDatabaseUrl('postgresql://mailroom:s3cret@db:5432/mailroom')).toBe(
      'postgresql://mailroom:***@db:5432/mailroom',
    );
    expect(redactDatabaseUrl('postgresql://db/mailroom?user=m&password=s3cret')).toBe(
      'postgresql://db/mailroom?user=m&password=***',
    );
    expect(redactDatabaseUrl('file:/srv/mailroom.db')).toBe('file:/srv/mailroom.db');
  });
});
