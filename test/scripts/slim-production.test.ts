/**
 * `npm run slim` (scripts/slim-production.mjs) on a production tree: this checkout's
 * dist/ and prisma/, and its node_modules without the development tools, as the prune
 * leaves it. The tree's node_modules is made of hard links (`cp -al`): the step only
 * renames and unlinks, so the originals are never touched. It removes what the app cannot
 * load and the app still works on both databases; it removes nothing and exits 1 when the
 * layout is not the one it knows, when a file the app needs is already missing, on a
 * development install, and where node_modules is a link to another tree; and it puts back
 * what it moved aside when the app no longer loads without it.
 * (scripts/production-smoke.ts runs it on a clean clone and starts the bot.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createScratchDatabase } from '../../src/db/scratch-database.js';
import { ROOT } from '../support/mailroom-process.js';
import { describeWithPostgres } from '../support/services.js';

const trees: string[] = [];
afterAll(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true });
});

/** A production tree beside this checkout (hard links need the same file system). */
function productionTree(): string {
  mkdirSync(path.join(ROOT, 'tmp'), { recursive: true });
  const tree = mkdtempSync(path.join(ROOT, 'tmp', 'slim-'));
  trees.push(tree);
  for (const part of ['dist', 'prisma', 'package.json'])
    cpSync(path.join(ROOT, part), path.join(tree, part), { recursive: true });
  execFileSync('cp', ['-al', realpathSync(path.join(ROOT, 'node_modules')), path.join(tree, 'node_modules')]);
  for (const tool of ['typescript', 'tsx', 'prisma'])
    rmSync(path.join(tree, 'node_modules', tool), { recursive: true, force: true });
  return tree;
}

function slim(tree: string) {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'slim-production.mjs'), '--root', tree], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every path under a folder, relative to it. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

const runtime = (tree: string) => path.join(tree, 'node_modules', '@prisma', 'client', 'runtime');
const sqliteBuild = (tree: string) => path.join(tree, 'node_modules', 'better-sqlite3', 'build');

/** In the tree, as the bot would: migrate a new database, then write and read through Prisma. */
function useDatabase(tree: string, url: string) {
  const script = `
    import { parseDatabaseUrl } from './dist/config/database-url.js';
    import { closeDbClient, createDbClient } from './dist/db/client.js';
    import { applyMigrations } from './dist/db/migrations.js';
    const target = parseDatabaseUrl(process.argv[1]);
    await applyMigrations(target);
    const db = createDbClient(target);
    await db.customer.create({ data: { address: 'mika@example.jp', domain: 'example.jp' } });
    console.log(JSON.stringify(await db.customer.findMany({ select: { address: true } })));
    await closeDbClient(db);
  `;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script, '--', url], {
    cwd: tree,
    encoding: 'utf8',
  });
}

/** The tree the first test slimmed, for the PostgreSQL check below. */
let slimmed: string | undefined;

it('removes the query compilers and build leftovers the app cannot load; the app still works on SQLite', async () => {
  const tree = productionTree();
  const first = slim(tree);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toMatch(/node_modules [\d.]+ MiB → [\d.]+ MiB/);
  expect(first.stdout).toContain('better-sqlite3/deps');

  const compilers = readdirSync(runtime(tree)).filter((name) => name.startsWith('query_compiler_'));
  expect(compilers.sort()).toEqual([
    'query_compiler_fast_bg.postgresql.mjs',
    'query_compiler_fast_bg.postgresql.wasm-base64.mjs',
    'query_compiler_fast_bg.sqlite.mjs',
    'query_compiler_fast_bg.sqlite.wasm-base64.mjs',
  ]);
  expect(readdirSync(runtime(tree)).filter((name) => name.endsWith('.map'))).toEqual([]);
  expect(listing(sqliteBuild(tree))).toEqual(['Release', path.join('Release', 'better_sqlite3.node')]);
  for (const gone of ['deps', 'src'])
    expect(existsSync(path.join(tree, 'node_modules', 'better-sqlite3', gone))).toBe(false);
  expect(existsSync(path.join(ROOT, 'node_modules', 'better-sqlite3', 'deps'))).toBe(true);

  const again = slim(tree);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stdout).toContain('nothing to remove');

  const sqlite = await createScratchDatabase('sqlite');
  try {
    expect(useDatabase(tree, sqlite.url)).toContain('mika@example.jp');
  } finally {
    await sqlite.drop();
  }
  slimmed = tree;
}, 120_000);

// Gated like every PostgreSQL test: skipped loudly on a machine without it, a failure in CI.
describeWithPostgres('the slimmed tree on PostgreSQL', (adminUrl) => {
  it('still migrates, writes and reads on PostgreSQL', async () => {
    if (!slimmed) throw new Error('the SQLite test above did not slim a tree');
    const postgres = await createScratchDatabase('postgresql', adminUrl);
    try {
      expect(useDatabase(slimmed, postgres.url)).toContain('mika@example.jp');
    } finally {
      await postgres.drop();
    }
  }, 60_000);
});

it('removes nothing and exits 1 on a layout it does not know, a file already missing, a package needing a removed file, a development install or a linked node_modules', () => {
  const tree = productionTree();
  const before = listing(path.join(tree, 'node_modules'));

  // A future Prisma whose generated client loads its WebAssembly from another file.
  const classFile = path.join(tree, 'dist', 'db', 'generated', 'sqlite', 'internal', 'class.js');
  const generated = readFileSync(classFile, 'utf8');
  writeFileSync(classFile, generated.replaceAll('.sqlite.wasm-base64.mjs', '.sqlite.wasm'));
  const changed = slim(tree);
  expect(changed.code).toBe(1);
  expect(changed.stderr).toContain('the Prisma client generated for sqlite does not import its query compiler');
  expect(changed.stderr).toContain('nothing removed');
  writeFileSync(classFile, generated);

  // A file the app loads, already gone: the tree is broken before the step.
  const wasm = path.join(runtime(tree), 'query_compiler_fast_bg.postgresql.wasm-base64.mjs');
  rmSync(wasm);
  const broken = slim(tree);
  expect(broken.code).toBe(1);
  expect(broken.stderr).toContain('the installed app does not load as it is, before anything is removed');
  expect(listing(path.join(tree, 'node_modules'))).toEqual(
    before.filter((file) => !file.endsWith(path.basename(wasm))),
  );
  cpSync(path.join(ROOT, 'node_modules', '@prisma', 'client', 'runtime', path.basename(wasm)), wasm);

  // A development install: its tools need what the step removes.
  mkdirSync(path.join(tree, 'node_modules', 'typescript'));
  writeFileSync(path.join(tree, 'node_modules', 'typescript', 'package.json'), '{"name":"typescript"}');
  const development = slim(tree);
  expect(development.code).toBe(1);
  expect(development.stderr).toContain('this is a development install (typescript installed)');
  rmSync(path.join(tree, 'node_modules', 'typescript'), { recursive: true });

  // A package that, unknown to the step, needs what it removes: everything is put back.
  // (The linked file is replaced, not written through: the original stays as it is.)
  const index = path.join(tree, 'node_modules', 'better-sqlite3', 'lib', 'index.js');
  const original = readFileSync(index, 'utf8');
  rmSync(index);
  writeFileSync(
    index,
    `${original}\nrequire('node:fs').statSync(require('node:path').join(__dirname, '..', 'deps'));\n`,
  );
  const needsDeps = slim(tree);
  expect(needsDeps.code).toBe(1);
  expect(needsDeps.stderr).toContain('the app no longer loads the same files without them; everything put back');
  expect(listing(path.join(tree, 'node_modules'))).toEqual(before);
  rmSync(index);
  writeFileSync(index, original);

  // A worktree whose node_modules is a link to another checkout's.
  const linked = mkdtempSync(path.join(ROOT, 'tmp', 'slim-link-'));
  trees.push(linked);
  symlinkSync(path.join(tree, 'node_modules'), path.join(linked, 'node_modules'));
  const link = slim(linked);
  expect(link.code).toBe(1);
  expect(link.stderr).toContain('is a link to');

  expect(listing(path.join(tree, 'node_modules'))).toEqual(before);
}, 120_000);
