/**
 * Loads Prisma's schema engine compiled to WebAssembly (the same engine `prisma migrate`
 * drives), so migrations run without the native engine Prisma would otherwise download.
 *
 * The package's entry imports its .wasm file as an ES module, which Node 20 only allows
 * behind --experimental-wasm-modules; we instantiate the .wasm ourselves against the
 * package's JS bindings instead, once per process.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';

const require = createRequire(import.meta.url);

// The WebAssembly global is not in the ES library typings this project compiles against.
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
};
let loading: Promise<typeof bindings.SchemaEngine> | undefined;

async function loadEngineClass(): Promise<typeof bindings.SchemaEngine> {
  // The .wasm is not in the package's exports map; it sits beside the bindings file.
  const wasmPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm');
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
    './schema_engine_bg.js': bindings,
  });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bindings.SchemaEngine;
}

/** A schema engine connected through a driver adapter factory; free() it when done. */
export async function openSchemaEngine(
  schemaText: string,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  log: (message: string) => void = () => {},
): Promise<SchemaEngine> {
  loading ??= loadEngineClass();
  const SchemaEngineClass = await loading;
  return SchemaEngineClass.new(
    { datamodels: [['schema.prisma', schemaText]] },
    log,
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  ) as Promise<SchemaEngine>;
}
