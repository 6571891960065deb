/**
 * Failover on PostgreSQL: three bots on one database, mail arriving every 400 ms around
 * each kill. The bot holding the most leases is killed (SIGKILL) ROUNDS times, a fresh one
 * started each time; then the poster's holder is stopped (SIGSTOP) and woken. Prints each
 * takeover (signal → the new holder's lease_acquired) and checks every mail was posted
 * once. Usage: npx tsx bench/failover.ts [ROUNDS=10]
 * (PostgreSQL at MAILROOM_TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres)
 */
import { createScratchDatabase, DEFAULT_PG_ADMIN_URL } from '../src/db/scratch-database.js';
import { LEASE_EVERY_MS, LEASE_TTL_MS } from '../src/services/instances/lease-keeper.js';
import { startDovecot } from '../test/support/dovecot.js';
import { describeTakeovers, FailoverRig, postingTurns } from '../test/support/failover-rig.js';
import { startFixture } from '../test/support/fixture.js';
import { buildCompiled } from '../test/support/mailroom-process.js';
import { waitFor } from '../test/support/net.js';
import { machine, percentile } from './support.js';

const rounds = Number(process.argv[2] ?? 10);
buildCompiled();
const dovecot = await startDovecot();
const fixture = await startFixture(dovecot);
const database = await createScratchDatabase('postgresql', process.env.MAILROOM_TEST_PG_URL ?? DEFAULT_PG_ADMIN_URL);
const rig = new FailoverRig(fixture, dovecot, database.url);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const killed: number[] = [];
const connected: number[] = [];
try {
  for (let i = 0; i < 3; i += 1) await rig.startInstance();
  for (let round = 0; round < rounds; round += 1) {
    rig.startMail(400);
    await pause(1_500);
    const { takeovers } = await rig.interruptHolder('SIGKILL', 30_000);
    await pause(1_000);
    await rig.stopMail();
    console.log(`round ${round + 1}, SIGKILL: ${describeTakeovers(takeovers)}`);
    killed.push(...takeovers.map((each) => each.ms));
    connected.push(...takeovers.flatMap((each) => (each.connectedMs === undefined ? [] : [each.connectedMs])));
    await rig.startInstance();
  }
  rig.startMail(1_000);
  const hung = await rig.interruptHolder('SIGSTOP', LEASE_TTL_MS + 2 * LEASE_EVERY_MS, 'slack-poster');
  console.log(`SIGSTOP: ${describeTakeovers(hung.takeovers)}`);
  hung.bot.child.kill('SIGCONT');
  const wokenAt = Date.now();
  await waitFor(() => FailoverRig.holdings(hung.bot).length === 0, 15_000, 'the woken bot standing down');
  console.log(`SIGCONT: stood down after ${Date.now() - wokenAt} ms`);
  await pause(2_000);
  await rig.stopMail();
  await rig.waitForEveryMail(180_000);
  await pause(3_000);
  const twice = rig.subjects.filter((subject) => rig.postedFor(subject).length !== 1);
  const turns = postingTurns(rig.posters());
  console.log(
    `failover, 3 bots on PostgreSQL, ${rounds} SIGKILLs: takeover p50 ${percentile(killed, 50)} ms, p95 ${percentile(killed, 95)} ms, max ${Math.max(...killed)} ms (${killed.length} leases); mailbox back on IMAP p50 ${percentile(connected, 50)} ms, max ${Math.max(...connected)} ms`,
  );
  console.log(
    `${rig.subjects.length} mails, ${twice.length} not posted exactly once; posting turns ${turns.length}, ${new Set(turns).size === turns.length ? 'never back and forth' : 'BACK AND FORTH'}`,
  );
  console.log(machine());
} finally {
  await rig.stop();
  await database.drop();
  await fixture.close();
  await dovecot.stop();
}
