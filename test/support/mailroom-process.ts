/**
 * Runs Mailroom's own commands (`npm start`, doctor, migrate) as child processes, the way
 * an admin would, and collects their output. The bot's JSON log lines are parsed.
 *
 * Like `npm start`, they run compiled: a command named by its source (`src/main.ts`) runs
 * as dist/main.js. buildCompiled() brings dist/ up to date; the test run's global setup
 * and the benchmarks call it first.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './net.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `npm run build`: compiles src/ into dist/ (incrementally: quick when little changed). */
export function buildCompiled(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

/** dist/main.js for src/main.ts. */
export function compiledScript(script: string): string {
  const compiled = path.join(ROOT, script.replace(/^src\//, 'dist/').replace(/\.ts$/, '.js'));
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run npm run build`);
  return compiled;
}

/** An environment with nothing of the developer's own Mailroom settings in it. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NODE_OPTIONS: '' };
  return Object.fromEntries(Object.entries({ ...base, ...extra }).filter(([, value]) => value !== undefined));
}

export class MailroomProcess {
  stdout = '';
  stderr = '';
  exitCode: number | null = null;
  /** The signal that ended the process, if one did. */
  signal: NodeJS.Signals | null = null;
  #ended = false;
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;

  constructor(script: string, env: NodeJS.ProcessEnv, cwd: string, args: string[] = []) {
    this.child = spawn(process.execPath, [compiledScript(script), ...args], {
      env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.#ended = true;
        this.signal = signal;
        resolve((this.exitCode = code));
      }),
    );
  }

  /** Every complete JSON log line printed so far. */
  get logLines(): Record<string, unknown>[] {
    const complete = this.stdout.slice(0, this.stdout.lastIndexOf('\n') + 1);
    return complete
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  get ended(): boolean {
    return this.#ended;
  }

  async waitForLog(code: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    await waitFor(() => this.logLines.some((line) => line.code === code) || this.#ended, timeoutMs, `log line ${code}`);
    const line = this.logLines.find((entry) => entry.code === code);
    if (!line)
      throw new Error(
        `ended (${this.exitCode ?? this.signal}) before logging ${code}:\n${this.stdout}\n${this.stderr}`,
      );
    return line;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.#ended) this.child.kill(signal);
    return this.exited;
  }
}

/** Runs a command to its end. */
export async function runCommand(
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  args: string[] = [],
): Promise<MailroomProcess> {
  const run = new MailroomProcess(script, env, cwd, args);
  await run.exited;
  return run;
}
