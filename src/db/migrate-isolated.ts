import { startModuleProcess } from '../util/module-worker.js';
import type { DatabaseTarget } from '../config/database-url.js';
import { migrationsUpToDate } from './migrations.js';

/**
 * Brings the database up to date as `npm start` and every admin command do: read the
 * migration bookkeeping through the driver, and only when something is pending start the
 * schema engine, in a process of its own. On a current database (a running bot migrated
 * it) nothing is written, so a command run beside the bot never waits on its SQLite writes.
 * @returns the names of the migrations applied now (empty when the database was current)
 */
export async function migrateIfBehind(target: DatabaseTarget): Promise<string[]> {
  return (await migrationsUpToDate(target)) ? [] : applyMigrationsIsolated(target);
}

/**
 * applyMigrations in a child process that ends afterwards: same result, but the schema
 * engine's WebAssembly memory (which took the bot to ~300 MiB at start when it ran in a
 * worker thread, a peak the process's high-water mark keeps for ever) is never part of the
 * bot's own.
 */
export function applyMigrationsIsolated(target: DatabaseTarget): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = startModuleProcess(import.meta.url, 'migrate-process', {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    child.on('message', (result: { ready?: boolean; ok?: boolean; applied?: string[]; error?: string }) => {
      // Sent once the child listens: a message sent earlier could be lost while it loads.
      if (result.ready) return void child.send({ target });
      settled = true;
      if (result.ok) resolve(result.applied ?? []);
      else reject(new Error(result.error));
    });
    child.once('error', (error) => {
      settled = true;
      reject(error);
    });
    child.once('exit', (code, signal) => {
      if (!settled) reject(new Error(`migration process exited with ${signal ?? `code ${code}`} before answering`));
    });
  });
}
