/**
 * `npx tsx scripts/production-smoke.ts [--runs N] [--keep] [--tree DIR]`: the production install, tried
 * as an admin would do it. Clones this repository's HEAD into a temporary folder, runs
 * `npm ci`, `npm run build`, `npm prune --omit=dev --omit=optional` there, then starts it
 * with `npm start` against a private Dovecot and the Slack stand-in and waits for /healthz
 * 200. Fails (exit 1) when the build tools or the Prisma CLI are still installed, when the
 * bot does not become healthy within 60 s, or when it is still running 15 s after SIGTERM. Prints
 * the size of node_modules and the time from `npm start` to /healthz 200 for each run
 * (the first run creates and migrates the SQLite file, the next ones find it migrated).
 *
 * `--tree DIR` measures a production tree installed before (no clone, no install).
 * `--reuse-install` copies this checkout's node_modules into the clone instead of `npm ci`
 * (the same lock, so the same packages; `npm ci` compiling better-sqlite3 takes minutes
 * here) and runs the postinstall step `npm ci` would have run: what CI does, right after its
 * own `npm ci` of this checkout.
 *
 * CI runs it after the test suite (.ci/run); Dovecot must be installed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { machine } from '../bench/support.js';
import { startDovecot } from '../test/support/dovecot.js';
import { startFixture } from '../test/support/fixture.js';
import { ROOT } from '../test/support/mailroom-process.js';
import { waitFor } from '../test/support/net.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    keep: { type: 'boolean' },
    tree: { type: 'string' },
    'reuse-install': { type: 'boolean' },
  },
});
const runs = Number(values.runs);

/** What a production tree must not carry: the compiler, the TypeScript runner, the Prisma CLI. */
const DEV_ONLY = ['typescript', 'tsx', 'prisma', 'vitest', '@biomejs/biome'];

const work = mkdtempSync(path.join(os.tmpdir(), 'mailroom-production-'));
const tree = values.tree ? path.resolve(values.tree) : path.join(work, 'mailroom');

function step(command: string, args: string[]): void {
  const started = Date.now();
  console.log(`smoke: ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`smoke:   done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function fail(message: string): never {
  console.error(`smoke: FAILED: ${message}`);
  process.exit(1);
}

if (!values.tree) {
  execFileSync('git', ['clone', '--quiet', ROOT, tree], { stdio: 'inherit' });
  if (values['reuse-install']) {
    step('cp', ['-a', path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules')]);
    step('npm', ['run', 'postinstall']);
  } else step('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline']);
  step('npm', ['run', 'build']);
  // --omit=optional too: @prisma/client names the Prisma CLI and TypeScript as optional peers,
  // and npm keeps such packages (its "devOptional") under --omit=dev alone.
  step('npm', ['prune', '--omit=dev', '--omit=optional', '--no-audit', '--no-fund']);
}

const leftOver = DEV_ONLY.filter((name) => existsSync(path.join(tree, 'node_modules', name)));
if (leftOver.length) fail(`the production tree still holds ${leftOver.join(', ')}`);
const sizeKiB = Number(
  execFileSync('du', ['-sk', path.join(tree, 'node_modules')], { encoding: 'utf8' }).split('\t')[0],
);

const dovecot = await startDovecot();
const fixture = await startFixture(dovecot);
const timings: number[] = [];
try {
  for (let run = 1; run <= runs; run++) {
    const started = performance.now();
    // Its own process group, so the stop below reaches npm and the bot it started.
    const bot = spawn('npm', ['start'], { cwd: tree, env: fixture.env({ LOG_LEVEL: 'warn' }), detached: true });
    let output = '';
    bot.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    bot.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => bot.once('exit', () => resolve()));
    let healthy = false;
    const health = async () =>
      (healthy = (await fetch(`http://127.0.0.1:${fixture.port}/healthz`).catch(() => null))?.status === 200);
    await waitFor(health, 60_000, '/healthz 200').catch(() => undefined);
    if (!healthy) {
      process.kill(-bot.pid!, 'SIGKILL');
      fail(`npm start did not answer /healthz 200 within 60 s:\n${output}`);
    }
    timings.push(performance.now() - started);
    // As systemd stops it: SIGTERM to every process of the service (npm does not pass it on).
    process.kill(-bot.pid!, 'SIGTERM');
    await exited;
    const gone = () => {
      try {
        process.kill(-bot.pid!, 0);
        return false;
      } catch {
        return true;
      }
    };
    await waitFor(gone, 15_000, 'the bot to stop').catch(() => undefined);
    if (!gone()) {
      process.kill(-bot.pid!, 'SIGKILL');
      fail(`the bot was still running 15 s after SIGTERM:\n${output}`);
    }
  }
} finally {
  await fixture.close();
  await dovecot.stop();
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}

console.log(`smoke: machine: ${machine()}`);
console.log(`smoke: production node_modules: ${(sizeKiB / 1024).toFixed(0)} MiB (du -sk)`);
console.log(
  `smoke: npm start → /healthz 200: ${timings.map((ms) => `${Math.round(ms)} ms`).join(', ')} (first run migrates a new SQLite file)`,
);
console.log('smoke: passed');
