/**
 * `npm run forget -- ADDRESS`: forgets a customer on their request (services/privacy/
 * forget-customer.ts) and prints what was removed. Their Slack messages are queued to be
 * replaced by a note; the running bot does that. Running it again changes nothing.
 */
import { userInfo } from 'node:os';
import { closeDbClient } from '../db/client.js';
import { createLogger } from '../logging/logger.js';
import { forgetCustomer } from '../services/privacy/forget-customer.js';
import { EXIT } from './exit-codes.js';
import { failed, openMigratedDb, readConfigOrExit } from './read-config.js';

const USAGE = 'usage: npm run forget -- ADDRESS';
const [address, ...extra] = process.argv.slice(2);
if (!address || extra.length || address === '--help') {
  console.error(USAGE);
  process.exit(address === '--help' ? EXIT.ok : EXIT.badConfig);
}
const config = readConfigOrExit();
const db = await openMigratedDb(config);
let code: number = EXIT.ok;
try {
  const answer = await forgetCustomer(
    { db, logger: createLogger('silent') },
    { address, actorId: `cli:${userInfo().username}` },
  );
  if (answer.kind === 'bad_address') {
    console.error(`${address}: not a mail address\n${USAGE}`);
    code = EXIT.badConfig;
  } else if (answer.kind === 'nothing') {
    console.log(
      answer.before
        ? `Nothing is held of ${address}: it was forgotten on ${answer.before.toISOString()}.`
        : `Nothing is held of ${address}.`,
    );
  } else {
    const c = answer.counts;
    console.log(`Forgot ${address}:`);
    console.log(`  customer record     ${c.customer}`);
    console.log(`  mails (in and out)  ${c.mails}  (raw source parts ${c.rawParts}, attachments ${c.attachments})`);
    console.log(`  tickets emptied     ${c.tickets}  (kept as numbers)`);
    console.log(`  notes, drafts       ${c.comments}, ${c.drafts}  (unsent outbox mail ${c.outbox})`);
    console.log(`  Slack messages      ${c.redactions}  queued to be replaced by a note (the running bot does it)`);
    console.log('Recorded in the audit log by the address’s SHA-256, without the address.');
  }
} catch (error) {
  failed(error);
} finally {
  await closeDbClient(db);
}
process.exit(code);
