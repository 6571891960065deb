// Worker thread entry of migrate-isolated.ts: applies migrations and exits, so the
// WebAssembly schema engine's memory (tens of MB that WebAssembly never gives back) leaves
// with the thread instead of staying in the bot for its whole life.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { applyMigrations } = await import('./migrations.ts');
try {
  parentPort.postMessage({ ok: true, applied: await applyMigrations(workerData.target) });
} catch (error) {
  parentPort.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
}
