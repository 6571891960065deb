/**
 * `npx tsx scripts/production-smoke.ts [--runs N] [--keep] [--tree DIR] [--reuse-install]`: the
 * production install, tried as an admin would do it. Clones this repository's HEAD into a
 * temporary folder, runs `npm ci`, `npm run build`, `npm prune --omit=dev --omit=optional`
 * and `npm run slim` there, then starts it with `npm start` against a private Dovecot and the
 * Slack stand-in and waits for /healthz 200: N times on a new SQLite file, then N times on a
 * new PostgreSQL database (the local server, as the tests use it), so a slim step that
 * removed something one provider loads fails here. Fails (exit 1) when the build tools or the
 * Prisma CLI are still installed, when node_modules is 150 MB or more, when the bot does not
 * become healthy within 60 s, or when it is still running 15 s after SIGTERM. Prints the size
 * of node_modules and the time from `npm start` to /healthz 200 for each run (the first run
 * on each database creates and migrates it, the next ones find it migrated).
 *
 * `--tree DIR` measures a production tree installed before (no clone, no install).
 * `--reuse-install` copies this checkout's node_modules (the folder it is, when it is a link)
 * into the clone instead of `npm ci` (the same lock, so the same packages; `npm ci` compiling
 * better-sqlite3 takes minutes here) and runs the postinstall step `npm ci` would have run:
 * what CI does, right after its own `npm ci` of this checkout.
 *
 * CI runs it after the test suite (.ci/run); Dovecot and PostgreSQL must be running.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { machine } from '../bench/support.js';
import { DATABASE_PROVIDERS, type DatabaseProvider } from '../src/config/database-url.js';
import { createScratchDatabase } from '../src/db/scratch-database.js';
import { startDovecot } from '../test/support/dovecot.js';
import { type Fixture, startFixture } from '../test/support/fixture.js';
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
/** The issue's goal for the production node_modules: under 150 MB. */
const SIZE_LIMIT_BYTES = 150_000_000;

const work = mkdtempSync(path.join(os.tmpdir(), 'mailroom-production-'));
const tree = values.tree ? path.resolve(values.tree) : path.join(work, 'mailroom');

function step(command: string, args: string[], showOutput = false): void {
  const started = Date.now();
  console.log(`smoke: ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd: tree, stdio: ['ignore', showOutput ? 'inherit' : 'ignore', 'inherit'] });
  console.log(`smoke:   done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function fail(message: string): never {
  console.error(`smoke: FAILED: ${message}`);
  process.exit(1);
}

if (!values.tree) {
  execFileSync('git', ['clone', '--quiet', ROOT, tree], { stdio: 'inherit' });
  if (values['reuse-install']) {
    // The folder itself: in a worktree node_modules is a link to the main checkout's, and a
    // copied link would let the prune and the slim step below change that checkout.
    step('cp', ['-a', realpathSync(path.join(ROOT, 'node_modules')), path.join(tree, 'node_modules')]);
    if (lstatSync(path.join(tree, 'node_modules')).isSymbolicLink()) fail('the copied node_modules is a link');
    step('npm', ['run', 'postinstall']);
  } else step('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline']);
  step('npm', ['run', 'build']);
  // --omit=optional too: @prisma/client names the Prisma CLI and TypeScript as optional peers,
  // and npm keeps such packages (its "devOptional") under --omit=dev alone.
  step('npm', ['prune', '--omit=dev', '--omit=optional', '--no-audit', '--no-fund']);
  step('npm', ['run', '--silent', 'slim'], true);
}

const leftOver = DEV_ONLY.filter((name) => existsSync(path.join(tree, 'node_modules', name)));
if (leftOver.length) fail(`the production tree still holds ${leftOver.join(', ')}`);
const sizeKiB = Number(
  execFileSync('du', ['-sk', path.join(tree, 'node_modules')], { encoding: 'utf8' }).split('\t')[0],
);
const sizeText = `${(sizeKiB / 1024).toFixed(0)} MiB = ${((sizeKiB * 1024) / 1e6).toFixed(0)} MB (du -sk)`;
console.log(`smoke: production node_modules: ${sizeText}`);
if (sizeKiB * 1024 >= SIZE_LIMIT_BYTES) fail(`node_modules is ${sizeText}: not under 150 MB`);

/** Starts `npm start` on a database, waits for /healthz 200, stops it as systemd does; the time to 200 in ms. */
async function startOnce(fixture: Fixture, databaseUrl: string): Promise<number> {
  const started = performance.now();
  // Its own process group, so the stop below reaches npm and the bot it started.
  const bot = spawn('npm', ['start'], {
    cwd: tree,
    env: fixture.env({ LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl }),
    detached: true,
  });
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
    throw new SmokeFailure(`npm start did not answer /healthz 200 within 60 s:\n${output}`);
  }
  const took = performance.now() - started;
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
    throw new SmokeFailure(`the bot was still running 15 s after SIGTERM:\n${output}`);
  }
  return took;
}

class SmokeFailure extends Error {}

const dovecot = await startDovecot();
const fixture = await startFixture(dovecot);
const timings: Record<DatabaseProvider, number[]> = { sqlite: [], postgresql: [] };
try {
  for (const provider of DATABASE_PROVIDERS) {
    // A new SQLite file in the fixture's folder, or a new database on the local PostgreSQL.
    const database =
      provider === 'sqlite'
        ? { url: `file:${path.join(fixture.dir, 'data', 'mailroom.db')}`, drop: async () => {} }
        : await createScratchDatabase('postgresql');
    try {
      for (let run = 1; run <= runs; run++) timings[provider].push(await startOnce(fixture, database.url));
    } finally {
      await database.drop();
    }
  }
} catch (error) {
  if (!(error instanceof SmokeFailure)) throw error;
  console.error(`smoke: FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  await fixture.close();
  await dovecot.stop();
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}

if (!process.exitCode) {
  console.log(`smoke: machine: ${machine()}`);
  console.log(`smoke: production node_modules: ${sizeText}`);
  for (const provider of DATABASE_PROVIDERS)
    console.log(
      `smoke: npm start → /healthz 200 on ${provider}: ${timings[provider].map((ms) => `${Math.round(ms)} ms`).join(', ')} (the first run migrates a new database)`,
    );
  console.log('smoke: passed');
}
