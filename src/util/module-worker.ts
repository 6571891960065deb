/**
 * Worker threads and child processes on a module of our own, from compiled JavaScript or
 * from source alike.
 *
 * `npm start` runs the compiled dist/*.js, and a worker starts on the compiled module next
 * to its caller with nothing else loaded. From source (vitest, `npx tsx`) the sibling is a
 * .ts file, which plain Node cannot load: the worker registers the TypeScript loader
 * (tsx) first, through typescript-worker.mjs. Only that path pays for the loader.
 */
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The module `./<name>.js` (or `./<name>.ts` from source) beside `callerUrl`. */
function moduleEntry(callerUrl: string, name: string): { entry: URL; fromSource: boolean } {
  const fromSource = new URL(callerUrl).pathname.endsWith('.ts');
  return { entry: new URL(`./${name}${fromSource ? '.ts' : '.js'}`, callerUrl), fromSource };
}

const TYPESCRIPT_ENTRY = new URL('./typescript-worker.mjs', import.meta.url);

const LOADER_FLAGS = ['--import', '--require', '-r', '--loader', '--experimental-loader'];

/**
 * The process's flags without the module loaders it was started with (compiled code run
 * under tsx, say): a compiled worker needs none, and a loader's hooks would handle every
 * module the worker loads (measured: ~0.4 s of a parse worker's start). Other flags (the
 * profiler's) stay.
 */
export function withoutModuleLoaders(flags: readonly string[]): string[] {
  const isLoader = (flag: string) => LOADER_FLAGS.some((name) => flag === name || flag.startsWith(`${name}=`));
  // A loader flag's value is the next argument, unless given after `=`.
  return flags.filter((flag, index) => !isLoader(flag) && !LOADER_FLAGS.includes(flags[index - 1] ?? ''));
}

/**
 * A compiled worker starts with the process's flags (inherited, as by default), leaving out
 * a module loader the process was started with. Flags given to a worker explicitly must be
 * ones a worker takes (`--report-on-signal`, for one, is refused): if any is, it gets none.
 */
function startCompiledWorker(entry: URL, options: WorkerOptions): Worker {
  const flags = withoutModuleLoaders(process.execArgv);
  if (flags.length === process.execArgv.length) return new Worker(entry, options);
  try {
    return new Worker(entry, { execArgv: flags, ...options });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Worker(entry, { execArgv: [], ...options });
  }
}

/**
 * Starts a worker on `./<name>.js` (or `./<name>.ts` from source) beside `callerUrl`,
 * the caller's `import.meta.url`.
 */
export function startModuleWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const { entry, fromSource } = moduleEntry(callerUrl, name);
  if (!fromSource) return startCompiledWorker(entry, options);
  return new Worker(TYPESCRIPT_ENTRY, { ...options, argv: [entry.href] });
}

/**
 * Starts a child Node process on the same module, with an IPC channel: for work whose
 * memory should never count towards this process's own (a thread's memory does).
 */
export function startModuleProcess(callerUrl: string, name: string, options: ForkOptions = {}): ChildProcess {
  const { entry, fromSource } = moduleEntry(callerUrl, name);
  // No inherited flags: under tsx or vitest they would load their own machinery again.
  const base: ForkOptions = { execArgv: [], ...options };
  if (!fromSource) return fork(fileURLToPath(entry), [], base);
  return fork(fileURLToPath(TYPESCRIPT_ENTRY), [entry.href], base);
}
