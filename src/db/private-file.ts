/**
 * The SQLite file holds every customer's mail: it is created readable by its owner alone
 * (0600, in a 0700 directory when Mailroom makes the directory). SQLite gives its -wal and
 * -shm files the database file's permissions, so they are private too.
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

export function ensurePrivateSqliteFile(file: string): void {
  if (existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
}
