/**
 * `npm run retry-mail -- [--mailbox KEY] [--list] [uid:UID | message:ID ...]`: lists the
 * mail Mailroom gave up on after a day of tries (each was posted in its channel) and puts
 * it back in line: all of it, or the mails named. The running bot tries them again at its
 * next sync pass. With --list nothing is changed.
 */
import { parseArgs } from 'node:util';
import { closeDbClient } from '../db/client.js';
import { listGivenUp, refsReadable, retryGivenUp } from '../services/ingest/retry-given-up.js';
import { EXIT } from './exit-codes.js';
import { mailboxOrExit, openMigratedDb, readConfigOrExit } from './read-config.js';
import { errorMessage } from '../errors.js';

const USAGE = 'usage: npm run retry-mail -- [--mailbox KEY] [--list] [uid:UID | message:ID ...]';
let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: { mailbox: { type: 'string' }, list: { type: 'boolean' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
}
try {
  args = parse();
} catch (error) {
  console.error(`${errorMessage(error)}\n${USAGE}`);
  process.exit(EXIT.badConfig);
}
const { values, positionals } = args;
if (values.help || !refsReadable(positionals)) {
  if (!values.help)
    console.error(`not a mail to retry: ${positionals.filter((ref) => !refsReadable([ref])).join(' ')}`);
  console.error(USAGE);
  process.exit(values.help ? EXIT.ok : EXIT.badConfig);
}
const config = readConfigOrExit();
if (values.mailbox !== undefined) mailboxOrExit(config, values.mailbox);
const db = await openMigratedDb(config);
try {
  const mailboxId = values.mailbox
    ? ((await db.mailbox.findUnique({ where: { key: values.mailbox }, select: { id: true } }))?.id ?? -1)
    : undefined;
  const filter = { mailboxId, refs: positionals };
  const mails = await listGivenUp(db, filter);
  if (mails.length === 0) {
    console.log('No mail has been given up on.');
  } else {
    for (const mail of mails) {
      const what = mail.stage === 'fetch' ? 'not fetched from the server' : 'stored, not made a ticket';
      console.log(
        `${mail.mailboxKey}  ${mail.ref}  ${what} after ${mail.attempts} tries (${mail.since.toISOString()}): ${mail.reason}`,
      );
    }
    if (values.list) {
      console.log(`${mails.length} mail(s). Run without --list to try them again.`);
    } else {
      const count = await retryGivenUp(db, filter);
      console.log(
        `${count} mail(s) put back in line; the running bot tries them again at its next sync pass (within a minute).`,
      );
    }
  }
} finally {
  await closeDbClient(db);
}
process.exit(EXIT.ok);
