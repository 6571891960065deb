import { startModuleWorker } from '../util/module-worker.js';
import type { DatabaseTarget } from './database-url.js';

/**
 * applyMigrations in a worker thread that ends afterwards: same result, but the schema
 * engine's WebAssembly memory is released with the thread. Used by `npm start`.
 */
export function applyMigrationsIsolated(target: DatabaseTarget): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker(import.meta.url, 'migrate-worker', { workerData: { target } });
    worker.once('message', (result: { ok: boolean; applied?: string[]; error?: string }) => {
      void worker.terminate();
      if (result.ok) resolve(result.applied ?? []);
      else reject(new Error(result.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0 && code !== 1) reject(new Error(`migration worker exited with code ${code}`));
    });
  });
}
