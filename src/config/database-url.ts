import path from 'node:path';

export type DatabaseProvider = 'sqlite' | 'postgresql';
export const DATABASE_PROVIDERS: readonly DatabaseProvider[] = ['sqlite', 'postgresql'];

/** Where the data lives, as decided by DATABASE_URL. */
export type DatabaseTarget =
  | { provider: 'sqlite'; file: string; url: string }
  | { provider: 'postgresql'; url: string };

export const DEFAULT_DATABASE_URL = 'file:./data/mailroom.db';

/**
 * Reads DATABASE_URL: `file:PATH` (relative to the working directory) for SQLite,
 * `postgresql://…` or `postgres://…` for PostgreSQL. Returns null for anything else so
 * the configuration check can name the key.
 */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseTarget | null {
  if (url.startsWith('file:')) {
    const file = url.slice('file:'.length).replace(/\?.*$/, '');
    if (file === '') return null;
    const absolute = path.resolve(cwd, file);
    return { provider: 'sqlite', file: absolute, url: `file:${absolute}` };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { provider: 'postgresql', url };
  return null;
}

/** The URL with any password (user part or `?password=`) masked, safe for logs and errors. */
export function redactDatabaseUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|key/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return 'postgresql://(unreadable URL)';
  }
}
