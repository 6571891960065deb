import { startModuleProcess } from '../util/module-worker.js';
import type { DatabaseTarget } from '../config/database-url.js';

/**
 * applyMigrations in a child process that ends afterwards: same result, but the schema
 * engine's WebAssembly memory (which took the bot to ~300 MiB at start when it ran in a
 * worker thread, a peak the process's high-water mark keeps for ever) is never part of the
 * bot's own. Used by `npm start`.
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
