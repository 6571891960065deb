/**
 * Failover on PostgreSQL (issue 21): three bots share a mailbox while mail arrives every
 * 400 ms. The one holding the leases is killed (SIGKILL) three times in a row, a fresh one
 * started each time: its mailbox and the Slack poster are taken over within 5 s, because
 * its database session ends with it. Then the holder is stopped (SIGSTOP): it keeps its
 * session, so it is replaced when its lease row expires, and when it wakes (SIGCONT) it
 * stands down without posting. Every mail is posted exactly once, and posting passes from
 * one bot to the next, never back and forth.
 */
import { expect, it } from 'vitest';
import { createScratchDatabase } from '../../src/db/scratch-database.js';
import { LEASE_EVERY_MS, LEASE_TTL_MS } from '../../src/services/instances/lease-keeper.js';
import { describeTakeovers, FailoverRig, postingTurns, type Takeover } from '../support/failover-rig.js';
import { useFixture } from '../support/fixture.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot, describeWithPostgres } from '../support/services.js';

// Three rounds here (the suite stays quick); bench/failover.ts kills ten times for the figures.
const ROUNDS = 3;

describeWithDovecot('failover', (dovecot) => {
  const fixture = useFixture(dovecot);

  describeWithPostgres('on PostgreSQL', (adminUrl) => {
    it('takes a killed holder’s mailbox and poster over within 5 s, a hung one’s within the lease time, posting every mail once', async () => {
      const database = await createScratchDatabase('postgresql', adminUrl);
      const rig = new FailoverRig(fixture, dovecot, database.url);
      try {
        await rig.startInstance();
        await rig.startInstance();
        await rig.startInstance();
        const killed: Takeover[][] = [];
        for (let round = 0; round < ROUNDS; round += 1) {
          // Mail arriving before, during and after the kill (the poster's 1 a second paces
          // it out in the pauses, so the backlog does not outgrow the test).
          rig.startMail(400);
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          const { bot, takeovers } = await rig.interruptHolder('SIGKILL', 15_000);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          await rig.stopMail();
          killed.push(takeovers);
          expect(bot.signal).toBe('SIGKILL');
          // Each lease it held (the mailbox's, the poster's, or both) taken over because its session was gone.
          for (const each of takeovers) expect(each.sessionGone, each.lease).toBe(true);
          await rig.startInstance();
        }
        console.log(`takeover after SIGKILL, per round: ${killed.map(describeTakeovers).join(' | ')}`);
        for (const each of killed.flat()) {
          expect(each.ms, each.lease).toBeLessThan(5_000);
          // The mailbox synced again, not just its lease taken.
          if (each.lease.startsWith('mailbox:')) expect(each.connectedMs, each.lease).toBeLessThan(5_000);
        }
        // The poster was among the leases killed with their holder at least once.
        expect(killed.flat().some((each) => each.lease === 'slack-poster')).toBe(true);

        // A poster that hangs keeps its session: replaced when its row expires, not before.
        rig.startMail(1_000);
        const hung = await rig.interruptHolder('SIGSTOP', LEASE_TTL_MS + LEASE_EVERY_MS, 'slack-poster');
        console.log(`takeover after SIGSTOP: ${describeTakeovers(hung.takeovers)}`);
        for (const each of hung.takeovers) {
          expect(each.sessionGone, each.lease).toBe(false);
          // The row expires 20 s after its last renewal (made before the stop); the rest is a
          // probe (0.5 s) and a loaded machine's delays. Before issue 21 the bound was 25 s.
          expect(each.ms, each.lease).toBeLessThan(LEASE_TTL_MS + 3_000);
        }
        const leasesOfHung = FailoverRig.holdings(hung.bot);
        hung.bot.child.kill('SIGCONT');
        await waitFor(() => FailoverRig.holdings(hung.bot).length === 0, 10_000, 'the woken bot standing down');
        expect(leasesOfHung.length).toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, 2_000));

        await rig.stopMail();
        await rig.waitForEveryMail(90_000);
        // Time for a double post to show.
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        for (const subject of rig.subjects) expect(rig.postedFor(subject), subject).toHaveLength(1);

        // Posting passed from bot to bot: none posted again after another had taken over
        // (the woken one included), so never two at once.
        const posters = rig.posters();
        const turns = postingTurns(posters);
        expect(new Set(turns).size).toBe(turns.length);
        // A message not logged is one a killed poster sent just before it died: at most one per kill.
        expect(posters.filter((poster) => poster === undefined).length).toBeLessThanOrEqual(ROUNDS);
        console.log(`${rig.subjects.length} mails, ${posters.length} channel messages, ${turns.length} posting turns`);
      } finally {
        await rig.stop();
        await database.drop();
      }
    }, 300_000);
  });
});
