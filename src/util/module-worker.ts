/**
 * Worker threads on a module of our own, from compiled JavaScript or from source alike.
 *
 * `npm start` runs the compiled dist/*.js, and a worker starts on the compiled module next
 * to its caller with nothing else loaded. From source (vitest, `npx tsx`) the sibling is a
 * .ts file, which a plain worker cannot load: the worker registers the TypeScript loader
 * (tsx) first, through typescript-worker.mjs. Only that path pays for the loader.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker on `./<name>.js` (or `./<name>.ts` from source) beside `callerUrl`,
 * the caller's `import.meta.url`.
 */
export function startModuleWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const fromSource = new URL(callerUrl).pathname.endsWith('.ts');
  const entry = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, callerUrl);
  if (!fromSource) return new Worker(entry, options);
  return new Worker(new URL('./typescript-worker.mjs', import.meta.url), { ...options, argv: [entry.href] });
}
