// Child process entry of migrate-isolated.ts: applies migrations to the database it is
// sent, answers, and exits, taking the WebAssembly schema engine's memory with it.
import { applyMigrations } from './migrations.js';
import type { DatabaseTarget } from '../config/database-url.js';

process.once('message', async ({ target }: { target: DatabaseTarget }) => {
  try {
    process.send!({ ok: true, applied: await applyMigrations(target) });
  } catch (error) {
    process.send!({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
  process.disconnect();
});
process.send!({ ready: true });
