// Worker thread entry of migrate-isolated.ts: applies migrations and exits, so the
// WebAssembly schema engine's memory (tens of MB that WebAssembly never gives back) leaves
// with the thread instead of staying in the bot for its whole life.
import { parentPort, workerData } from 'node:worker_threads';
import { applyMigrations } from './migrations.js';
import type { DatabaseTarget } from './database-url.js';

const port = parentPort!;
try {
  port.postMessage({ ok: true, applied: await applyMigrations((workerData as { target: DatabaseTarget }).target) });
} catch (error) {
  port.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
}
