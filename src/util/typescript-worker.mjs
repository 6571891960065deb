// Worker entry used only when running from source (see module-worker.ts): registers the
// TypeScript loader, then loads the .ts module named last on the worker's argv. Plain
// JavaScript because nothing can load TypeScript before the loader is registered, and a
// worker does not inherit its parent's loader in every setting (vitest, tsx).
import { register } from 'tsx/esm/api';

register();
await import(process.argv.at(-1));
