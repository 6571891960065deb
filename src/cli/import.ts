/**
 * `npm run import -- [--mailbox KEY] FILE...`: imports .eml files and mbox files into the
 * database as history. Nothing is posted to Slack. Prints one line per file and a total.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closeDbClient } from '../db/client.js';
import { indexAllPendingSearchDocs } from '../db/search-index.js';
import { createLogger } from '../logging/logger.js';
import { ParsePool } from '../mail/parse-pool.js';
import { isMbox, readMbox } from '../mail/read-mail-files.js';
import { importMail, type ImportCounts } from '../services/ingest/import-mail.js';
import { registerMailboxes } from '../services/register-mailboxes.js';
import { EXIT } from './exit-codes.js';
import { mailboxOrExit, openMigratedDb, readConfigOrExit } from './read-config.js';
import { errorMessage } from '../errors.js';
import { ownAddressesOf } from '../domain/own-address.js';

const { values, positionals } = parseArgs({ options: { mailbox: { type: 'string' } }, allowPositionals: true });
if (positionals.length === 0) {
  console.error('usage: npm run import -- [--mailbox KEY] FILE...   (.eml files or mbox files)');
  process.exit(EXIT.badConfig);
}
const config = readConfigOrExit();
const mailboxConfig = mailboxOrExit(config, values.mailbox);
const db = await openMigratedDb(config);
const pool = new ParsePool();
const logger = createLogger('warn');
const [mailbox] = await registerMailboxes(db, [mailboxConfig]);
const deps = { db, parser: pool, logger, ownAddresses: ownAddressesOf(config.mailboxes) };
const total: ImportCounts = { imported: 0, duplicates: 0, unreadable: 0 };
let failed = false;

for (const file of positionals) {
  const counts: ImportCounts = { imported: 0, duplicates: 0, unreadable: 0 };
  try {
    const mails = (await isMbox(file))
      ? readMbox(file)
      : (async function* () {
          yield await readFile(file);
        })();
    for await (const raw of mails) await importMail(deps, mailbox!.id, raw, counts);
    console.log(
      `${path.basename(file)}: ${counts.imported} imported, ${counts.duplicates} already known, ${counts.unreadable} stored raw but not fully readable`,
    );
  } catch (error) {
    failed = true;
    console.error(`${file}: ${errorMessage(error)}`);
  }
  total.imported += counts.imported;
  total.duplicates += counts.duplicates;
  total.unreadable += counts.unreadable;
}
console.log(
  `Imported ${total.imported} mail(s) into ${mailboxConfig.key}; ${total.duplicates} were already there. Nothing was posted to Slack.`,
);
// The imported mails into the search index now, not at the bot's next round (search-index.ts).
await indexAllPendingSearchDocs(db);
await pool.close();
await closeDbClient(db);
process.exit(failed ? EXIT.failure : EXIT.ok);
