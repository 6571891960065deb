/** Prisma's "unique constraint failed": the row is there already (someone was quicker, or this is a repeat). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'P2002';
}

/**
 * Codes of a database that is unavailable or overloaded for the moment, as opposed to one
 * refusing what it was given: the driver's (better-sqlite3's SQLITE_*, PostgreSQL's
 * SQLSTATE), Node's network and disk errors, and Prisma's for the same situations.
 */
const UNAVAILABLE_CODES = new Set([
  // SQLite: locked or busy, disk full, I/O, cannot open, read-only file.
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_PROTOCOL',
  'SQLITE_NOMEM',
  // PostgreSQL: serialization failure, deadlock, lock not available, statement cancelled,
  // shutting down, cannot connect now.
  '40001',
  '40P01',
  '55P03',
  '57014',
  '57P01',
  '57P02',
  '57P03',
  // Node: the connection or the disk.
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENOSPC',
  'EIO',
  // Prisma: server unreachable or timed out, connection closed, pool timeout, write conflict.
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
  'P2034',
]);
/** PostgreSQL SQLSTATE classes of the same: connection exception, insufficient resources, system error. */
const UNAVAILABLE_CLASSES = ['08', '53', '58'];
/** What the errors say when they come without a code (driver adapters wrap some). */
const UNAVAILABLE_TEXT =
  /database is locked|database table is locked|disk I\/O error|database or disk is full|connection terminated|Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|too many clients|server closed the connection/i;

/**
 * True when the error is the database's trouble (down, busy, full, a lost connection), not
 * the data's: work that fails this way is tried again later without counting against what
 * was being written. The error's causes are looked at too.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let current = error, depth = 0;
    current && depth < 5;
    current = (current as { cause?: unknown }).cause, depth++
  ) {
    const code = String((current as { code?: unknown }).code ?? '');
    if (UNAVAILABLE_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_CLASSES.includes(code.slice(0, 2))))
      return true;
    if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
      return true;
    if (UNAVAILABLE_TEXT.test(String((current as { message?: unknown }).message ?? ''))) return true;
  }
  return false;
}
