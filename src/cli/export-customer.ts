/**
 * `npm run export-customer -- ADDRESS [--out FILE]`: everything Mailroom holds of a
 * customer as JSON (services/privacy/export-customer.ts), for their access request: to
 * FILE (readable by its owner alone), else to standard output. Audited like
 * `/mail export-customer`.
 */
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { closeDbClient } from '../db/client.js';
import { errorMessage } from '../errors.js';
import { auditExport, buildCustomerExport } from '../services/privacy/export-customer.js';
import { EXIT } from './exit-codes.js';
import { failed, openMigratedDb, readConfigOrExit, writeStdout } from './read-config.js';

const USAGE = 'usage: npm run export-customer -- ADDRESS [--out FILE]';
let parsed: { values: { out?: string; help?: boolean }; positionals: string[] };
try {
  parsed = parseArgs({
    options: { out: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
} catch (error) {
  console.error(`${errorMessage(error)}\n${USAGE}`);
  process.exit(EXIT.badConfig);
}
const { values, positionals } = parsed;
if (values.help || positionals.length !== 1) {
  console.error(USAGE);
  process.exit(values.help ? EXIT.ok : EXIT.badConfig);
}
const address = positionals[0]!;
const config = readConfigOrExit();
const db = await openMigratedDb(config);
let code: number = EXIT.ok;
try {
  const built = await buildCustomerExport(db, address);
  if (built.kind === 'bad_address') {
    console.error(`${address}: not a mail address\n${USAGE}`);
    code = EXIT.badConfig;
  } else if (built.kind === 'nothing') {
    console.error(`Nothing is held of ${address}.`);
  } else {
    if (values.out) {
      writeFileSync(values.out, built.json, { mode: 0o600 });
      console.error(`Wrote ${values.out}: ${built.tickets} ticket(s), ${built.mails} mail(s).`);
    } else {
      await writeStdout(built.json);
    }
    await auditExport(db, built, `cli:${userInfo().username}`);
  }
} catch (error) {
  failed(error);
} finally {
  await closeDbClient(db);
}
process.exit(code);
