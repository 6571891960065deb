// `npm run slim [-- --dry-run]`: the last step of the production install, after `npm prune
// --omit=dev --omit=optional`. Removes from node_modules what this app cannot load:
//
// - @prisma/client ships Prisma's query compiler for five databases, in two builds (fast,
//   small) and two module formats (CommonJS, ESM), ~60 MiB; the generated clients in dist/
//   import one build of one format for each of our two providers. Its source maps go too
//   (Node reads them only under --enable-source-maps, and runs without them).
// - better-sqlite3, compiled from source where its prebuilt binary cannot be downloaded,
//   keeps SQLite's sources (deps/, src/) and the build's objects beside the one addon it
//   loads (~25 MiB).
//
// Prisma has no option for this: the `prisma-client` generator's `compilerBuild` chooses
// which build the generated code imports, but every build of every database stays in
// @prisma/client/runtime.
//
// What stays is decided from what the installed app loads, not from a list: the providers
// of the schema (dist/config/database-url.js), every `@prisma/client…` specifier in dist/,
// resolved the way Node resolves it, and the better-sqlite3 addon Node actually opens (a
// child process loads them and reports). Nothing is removed when the layout is not the one
// this step knows (a future Prisma or better-sqlite3): it fails instead, exit code 1. The
// files are moved aside first and the same child loads everything again; if that fails they
// are moved back. Plain JavaScript, no dependency: it runs after the prune.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean' }, root: { type: 'string' } } });
const root = path.resolve(values.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const modules = path.join(root, 'node_modules');
const dist = path.join(root, 'dist');
const PRISMA = '@prisma/client';
const SQLITE = 'better-sqlite3';
/** The development tools `postinstall` looks for: their presence means a development install. */
const DEV_TOOLS = ['typescript', 'tsx', 'prisma'];
/** A query compiler module or its WebAssembly as base64, e.g. query_compiler_fast_bg.sqlite.wasm-base64.mjs. */
const QUERY_COMPILER = /^query_compiler_(?:fast|small)_bg\.[a-z0-9]+\.(?:wasm-base64\.)?(?:js|mjs)$/;
const STAGING_PREFIX = '.mailroom-slim-';

function fail(message) {
  console.error(`slim: ${message}`);
  console.error('slim: FAILED, exit code 1');
  process.exit(1);
}

const say = (message) => console.log(`slim: ${message}`);
const relative = (file) => path.relative(modules, file);
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const size = (bytes) => (bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KiB` : mib(bytes));

/** Bytes on disk under a path, as `du` counts them (each inode once, symbolic links not followed). */
function diskUsage(target, seen = new Set()) {
  const stat = lstatSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  const key = `${stat.dev}:${stat.ino}`;
  let total = seen.has(key) ? 0 : stat.blocks * 512;
  seen.add(key);
  if (stat.isDirectory()) for (const entry of readdirSync(target)) total += diskUsage(path.join(target, entry), seen);
  return total;
}

/** Every file under a folder whose name passes the test (symbolic links not followed). */
function filesUnder(dir, test, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(file, test, found);
    else if (entry.isFile() && test(entry.name)) found.push(file);
  }
  return found;
}

const isScript = (name) => /\.(?:js|mjs|cjs)$/.test(name);

/**
 * Loads what the app loads, in a fresh Node process in the tree: imports each specifier
 * (resolved from the project root, as dist/ resolves it) and opens an SQLite database through
 * better-sqlite3. Returns the files they resolved to and the native addon Node opened.
 */
function probe(specifiers) {
  const code = `
    import { createRequire } from 'node:module';
    import { fileURLToPath } from 'node:url';
    const resolved = {};
    for (const specifier of JSON.parse(process.argv[1])) {
      const url = import.meta.resolve(specifier);
      resolved[specifier] = fileURLToPath(url);
      if (/\\.(?:js|mjs|cjs)$/.test(url)) await import(url);
    }
    const require = createRequire(process.cwd() + '/package.json');
    const Database = require('better-sqlite3');
    const db = new Database(':memory:');
    const sqlite = db.prepare('select sqlite_version() as version').get().version;
    db.close();
    const addons = Object.keys(require.cache).filter((file) => file.endsWith('.node'));
    console.log(JSON.stringify({ resolved, sqlite, addons }));
  `;
  try {
    const output = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', code, '--', JSON.stringify(specifiers)],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return { ok: true, ...JSON.parse(output) };
  } catch (error) {
    return { ok: false, error: String(error.stderr || error.message).trim() };
  }
}

function checkTree() {
  const link = lstatSync(modules, { throwIfNoEntry: false });
  if (!link) fail(`${modules} does not exist: install first (see README, "Production install")`);
  if (link.isSymbolicLink())
    fail(
      `${modules} is a link to ${readlinkSync(modules)}: slimming would change another tree; run it where node_modules is a real folder`,
    );
  const devTools = DEV_TOOLS.filter((name) => existsSync(path.join(modules, name, 'package.json')));
  if (devTools.length)
    fail(
      `this is a development install (${devTools.join(', ')} installed), whose tools need what this step removes: run it after \`npm prune --omit=dev --omit=optional\``,
    );
  if (!existsSync(path.join(dist, 'main.js'))) fail('dist/main.js is missing: run `npm run build` before the prune');
  const staged = readdirSync(modules).filter((name) => name.startsWith(STAGING_PREFIX));
  if (staged.length)
    fail(
      `node_modules/${staged[0]} holds files an interrupted run moved aside: run the production install again from \`npm ci\``,
    );
}

/** The `@prisma/client…` specifiers written in the compiled files, per file. */
function prismaSpecifiers() {
  const perFile = new Map();
  for (const file of filesUnder(dist, isScript)) {
    const text = readFileSync(file, 'utf8');
    const found = [...text.matchAll(/["'](@prisma\/client(?:\/[^"'\s]+)?)["']/g)].map((match) => match[1]);
    if (found.length) perFile.set(file, new Set(found));
  }
  return perFile;
}

/** The generated client of each of the schema's providers must load its query compiler as Prisma 7 does. */
async function checkGeneratedClients(perFile) {
  const { DATABASE_PROVIDERS } = await import(pathToFileURL(path.join(dist, 'config', 'database-url.js')).href);
  for (const provider of DATABASE_PROVIDERS) {
    const classFile = path.join(dist, 'db', 'generated', provider, 'internal', 'class.js');
    if (!existsSync(classFile))
      fail(`the Prisma client for ${provider} is missing (${classFile}): run \`npm run build\``);
    const names = [...(perFile.get(classFile) ?? [])].map((specifier) => path.posix.basename(specifier));
    const compiler = names.some(
      (name) => QUERY_COMPILER.test(name) && name.includes(`.${provider}.`) && !name.includes('wasm'),
    );
    const wasm = names.some((name) => QUERY_COMPILER.test(name) && name.includes(`.${provider}.wasm-base64.`));
    if (!compiler || !wasm)
      fail(
        `the Prisma client generated for ${provider} does not import its query compiler as ${PRISMA}/runtime/query_compiler_<build>_bg.${provider}[.wasm-base64].mjs (imports: ${names.join(', ') || 'none'}); this step knows no other layout — nothing removed`,
      );
  }
  return DATABASE_PROVIDERS;
}

/** @prisma/client's files the app never loads: the other query compilers, and the source maps. */
function prismaRemovals(loaded) {
  const runtime = path.join(modules, PRISMA, 'runtime');
  if (!existsSync(runtime)) fail(`${relative(runtime)} is missing: the layout of ${PRISMA} changed — nothing removed`);
  const compilers = readdirSync(runtime).filter((name) => QUERY_COMPILER.test(name));
  const candidates = new Set(compilers.map((name) => path.join(runtime, name)));
  // Nothing else may load a query compiler by a name this step cannot see in dist/.
  const mentions = filesUnder(modules, isScript).filter(
    (file) => !candidates.has(file) && readFileSync(file, 'latin1').includes('query_compiler_'),
  );
  if (mentions.length)
    fail(
      `${mentions.map(relative).join(', ')} name Prisma's query compiler files; this step cannot tell which they load — nothing removed`,
    );
  const maps = readdirSync(runtime).filter((name) => name.endsWith('.map'));
  return [...compilers.filter((name) => !loaded.has(path.join(runtime, name))), ...maps].map((name) =>
    path.join(runtime, name),
  );
}

/** better-sqlite3's build leftovers: everything under build/ but the addon Node opened, and the sources. */
function sqliteRemovals(addons) {
  const pkg = path.join(modules, SQLITE);
  const build = path.join(pkg, 'build');
  const addon = addons.find((file) => file.startsWith(pkg + path.sep));
  if (!addon || !addon.startsWith(build + path.sep))
    fail(
      `${SQLITE}'s addon was loaded from ${addon ?? '(no file under the package)'}, not from its build/ folder: its layout changed — nothing removed`,
    );
  const removals = ['deps', 'src'].map((name) => path.join(pkg, name)).filter((dir) => existsSync(dir));
  // Walk down build/ along the addon's path, taking every entry beside it.
  let dir = build;
  for (const step of path.relative(build, addon).split(path.sep)) {
    for (const entry of readdirSync(dir)) if (entry !== step) removals.push(path.join(dir, entry));
    dir = path.join(dir, step);
  }
  return { addon, removals };
}

function sameLoad(before, after) {
  return (
    JSON.stringify(before.resolved) === JSON.stringify(after.resolved) && before.addons.join() === after.addons.join()
  );
}

checkTree();
const perFile = prismaSpecifiers();
const providers = await checkGeneratedClients(perFile);
const specifiers = [...new Set([...perFile.values()].flatMap((found) => [...found]))].sort();
const before = probe(specifiers);
if (!before.ok) fail(`the installed app does not load as it is, before anything is removed:\n${before.error}`);
const loaded = new Set(Object.values(before.resolved));
const prismaVersion = JSON.parse(readFileSync(path.join(modules, PRISMA, 'package.json'), 'utf8')).version;
const sqliteVersion = JSON.parse(readFileSync(path.join(modules, SQLITE, 'package.json'), 'utf8')).version;
say(
  `${PRISMA} ${prismaVersion}, providers ${providers.join(', ')}: dist/ imports ${[...loaded].map(relative).join(', ')}`,
);
const { addon, removals: sqliteFiles } = sqliteRemovals(before.addons);
say(`${SQLITE} ${sqliteVersion} (SQLite ${before.sqlite}): the app loads ${relative(addon)}`);

const removals = [...prismaRemovals(loaded), ...sqliteFiles];
const needed = [...loaded, addon];
const clash = needed.find((file) =>
  removals.some((removed) => file === removed || file.startsWith(removed + path.sep)),
);
if (clash) fail(`${relative(clash)} is loaded by the app and would be removed — nothing removed`);

const sizeBefore = diskUsage(modules);
if (removals.length === 0) {
  say(`nothing to remove; node_modules ${mib(sizeBefore)}`);
  process.exit(0);
}
say(`${values['dry-run'] ? 'would remove' : 'removing'} ${removals.length} files and folders:`);
for (const removal of removals) say(`  ${relative(removal)}  ${size(diskUsage(removal))}`);
if (values['dry-run']) {
  say(`node_modules ${mib(sizeBefore)} (dry run: nothing removed)`);
  process.exit(0);
}

// Moved aside first (same file system: a rename), loaded again, then deleted or put back.
const staging = path.join(modules, `${STAGING_PREFIX}${process.pid}`);
const moved = [];
const putBack = () => {
  for (const [from, to] of moved.reverse()) renameSync(to, from);
  rmSync(staging, { recursive: true, force: true });
};
try {
  for (const removal of removals) {
    const aside = path.join(staging, relative(removal));
    mkdirSync(path.dirname(aside), { recursive: true });
    renameSync(removal, aside);
    moved.push([removal, aside]);
  }
} catch (error) {
  putBack();
  fail(`could not move ${error.path ?? 'a file'} aside (${error.code ?? error.message}); everything put back`);
}
const after = probe(specifiers);
if (!after.ok || !sameLoad(before, after)) {
  putBack();
  fail(
    `the app no longer loads the same files without them; everything put back:\n${after.ok ? JSON.stringify(after) : after.error}`,
  );
}
rmSync(staging, { recursive: true, force: true });
const sizeAfter = diskUsage(modules);
say(`node_modules ${mib(sizeBefore)} → ${mib(sizeAfter)} (${mib(sizeBefore - sizeAfter)} removed)`);
