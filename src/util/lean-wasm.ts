/**
 * Prisma's query compiler is WebAssembly. V8 compiles it at once with its baseline compiler
 * (Liftoff) and then recompiles the functions it finds hot with its optimising one
 * (TurboFan), keeping both codes and TurboFan's compilation memory for the life of the
 * process: measured in the running bot, ~75 MiB of its idle 226 MiB, growing with use.
 * Mailroom's queries spend their time in SQLite or PostgreSQL, not in planning them, so
 * baseline code is enough (measured: the same time per query either way, see
 * BENCHMARKS.md). The flag is set here, not on the command line, so that the bot, the
 * commands and the tests behave the same however they are started; it must be set before
 * the first WebAssembly module is compiled, which is why the database client calls this
 * before it creates Prisma's.
 */
import v8 from 'node:v8';

let set = false;

export function compileWasmLean(): void {
  if (set) return;
  set = true;
  v8.setFlagsFromString('--liftoff-only');
}
