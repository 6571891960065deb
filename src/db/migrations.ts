/**
 * Migration histories, one per provider, applied through the WebAssembly schema engine
 * with the same `_prisma_migrations` bookkeeping `prisma migrate deploy` keeps, so a
 * machine with the Prisma CLI can manage the same database.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { migrationAdapter } from './adapter-factory.js';
import type { DatabaseTarget } from '../config/database-url.js';
import { migrationsDir, PROJECT_ROOT, schemaFor, type DatabaseProvider } from './schema-source.js';
import { openSchemaEngine } from './schema-engine.js';
import { closeDriver, openDriver } from './driver.js';
import { errorMessage } from '../errors.js';

const LOCKFILE = 'migration_lock.toml';
const NO_FILTERS = { externalTables: [], externalEnums: [] };

/**
 * Tables the migrations create by hand and Prisma does not model: the search index, one
 * row per document (a ticket's subject, a mail, a comment) kept by triggers — on SQLite
 * `search_docs` with its FTS5 table (and that table's shadow tables and fts5vocab table), on
 * PostgreSQL `search_docs` with a trigram index and `search_grams`, each document's 1- and
 * 2-character grams (see the `search_documents` and `search_grams` migrations). Left out of
 * the drift check and of new migrations, which would otherwise drop them. PostgreSQL wants
 * schema-qualified names; Mailroom's tables live in `public`.
 */
export const SEARCH_INDEX_TABLES: Record<DatabaseProvider, readonly string[]> = {
  sqlite: [
    'search_docs',
    'search_docs_deferral',
    'search_docs_pending',
    'search_docs_fts',
    'search_docs_fts_config',
    'search_docs_fts_data',
    'search_docs_fts_docsize',
    'search_docs_fts_idx',
    'search_docs_vocab',
  ],
  postgresql: ['public.search_docs', 'public.search_grams'],
};

/** The committed migrations of a provider, in the shape the engine reads. */
export function readMigrationList(provider: DatabaseProvider, baseDir = migrationsDir(provider)): MigrationList {
  const lockPath = path.join(baseDir, LOCKFILE);
  const directories = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];
  return {
    baseDir,
    lockfile: { path: LOCKFILE, content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: directories.map((name) => {
      const file = path.join(baseDir, name, 'migration.sql');
      return {
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: existsSync(file)
            ? { tag: 'ok' as const, value: readFileSync(file, 'utf8') }
            : { tag: 'error' as const, value: `missing ${file}` },
        },
      };
    }),
  };
}

/**
 * Runs `use` with an engine, then closes every connection the engine opened: freeing the
 * engine does not close them, and a SQLite connection left open keeps its file locked.
 */
async function withEngine<T>(target: DatabaseTarget, use: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const factory = migrationAdapter(target);
  const opened: SqlDriverAdapter[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => remember(await factory.connect()),
    connectToShadowDb: async () => remember(await factory.connectToShadowDb()),
  };
  function remember(adapter: SqlDriverAdapter): SqlDriverAdapter {
    opened.push(adapter);
    return adapter;
  }
  const engine = await openSchemaEngine(schemaFor(target.provider), tracked);
  try {
    return await use(engine);
  } finally {
    engine.free();
    await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
  }
}

/**
 * Applies every committed migration the database does not have yet (or of `migrationsList`,
 * the first of them: a test's database as an earlier version of Mailroom left it).
 * @returns the names of the migrations applied now (empty when the database was current)
 */
export async function applyMigrations(
  target: DatabaseTarget,
  migrationsList = readMigrationList(target.provider),
): Promise<string[]> {
  return withEngine(target, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList,
      filters: NO_FILTERS,
    });
    return appliedMigrationNames;
  });
}

interface AppliedMigration {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/**
 * True when the database records every committed migration as applied, each with the
 * checksum of its file (the SHA-256 the engine records): then there is nothing for the
 * engine to do, and `npm start` does not start it (loading the schema engine's
 * WebAssembly in a process of its own took ~2–3 s of every start). Anything else —
 * pending, failed, rolled back, edited, no bookkeeping table — is left to the engine,
 * which applies what is pending and says what is wrong.
 */
export async function migrationsUpToDate(
  target: DatabaseTarget,
  migrationsList = readMigrationList(target.provider),
): Promise<boolean> {
  const query = 'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations';
  const driver = openDriver(target);
  let rows: AppliedMigration[];
  try {
    rows =
      driver.provider === 'sqlite'
        ? (driver.sqlite.prepare(query).all() as AppliedMigration[])
        : (await driver.pool.query<AppliedMigration>(query)).rows;
  } catch {
    return false;
  } finally {
    await closeDriver(driver);
  }
  const applied = new Map(
    rows
      .filter((row) => row.finished_at !== null && row.rolled_back_at === null)
      .map((row) => [row.migration_name, row.checksum]),
  );
  return migrationsList.migrationDirectories.every(
    ({ path: name, migrationFile: { content } }) =>
      content.tag === 'ok' && applied.get(name) === createHash('sha256').update(content.value).digest('hex'),
  );
}

/**
 * The SQL that would bring the live database to the schema in prisma/models.prisma; empty
 * when they agree. Run on a database that has just had every migration applied, it tells
 * whether the schema and the migration history have drifted apart.
 */
export async function diffDatabaseToSchema(target: DatabaseTarget): Promise<string> {
  const filters = { externalTables: [...SEARCH_INDEX_TABLES[target.provider]], externalEnums: [] };
  return withEngine(target, async (engine) => {
    const result = await engine.diff({
      from: {
        tag: 'schemaDatasource',
        files: [{ path: 'schema.prisma', content: schemaFor(target.provider) }],
        configDir: PROJECT_ROOT,
      },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schemaFor(target.provider) }] },
      script: true,
      exitCode: null,
      filters,
    });
    const sql = (result.stdout ?? '').trim();
    return /^-- This is an empty migration\.?$/.test(sql) ? '' : sql;
  });
}

/** Lists migrations that are committed but not applied to the database. */
export async function pendingMigrations(target: DatabaseTarget): Promise<string[]> {
  const migrationsList = readMigrationList(target.provider);
  return withEngine(target, async (engine) => {
    try {
      const { history } = await engine.diagnoseMigrationHistory({
        migrationsList,
        optInToShadowDatabase: false,
        filters: NO_FILTERS,
      });
      if (history?.diagnostic === 'databaseIsBehind' || history?.diagnostic === 'historiesDiverge')
        return history.unappliedMigrationNames;
      return [];
    } catch (error) {
      // A database never migrated has no bookkeeping table yet (the SQLite engine says so
      // as an error rather than a diagnostic): everything is pending.
      if (/_prisma_migrations` does not exist/.test(errorMessage(error))) {
        return migrationsList.migrationDirectories.map((directory) => directory.path);
      }
      throw error;
    }
  });
}
