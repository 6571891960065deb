/**
 * Idle memory of the running bot (its whole process), started as `npm start` runs it
 * (package.json: the malloc settings and the young generation), one mailbox connected in
 * IDLE, nothing arriving: RSS from /proc after it answers /healthz, then 5, 10, 20 and 30 s
 * on (parse workers are started on demand, so an idle bot has none).
 * Usage: npx tsx bench/idle-rss.ts [RUNS=3]
 */
import { readFileSync } from 'node:fs';
import { machine, startWorld } from './support.js';

const runs = Number(process.argv[2] ?? 3);
const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

for (let run = 1; run <= runs; run += 1) {
  const world = await startWorld({
    MALLOC_ARENA_MAX: '2',
    MALLOC_MMAP_THRESHOLD_: '131072',
    NODE_OPTIONS: '--max-semi-space-size=2',
  });
  try {
    const pid = world.bot.child.pid!;
    const samples = [`healthy ${rssMiB(pid).toFixed(0)}`];
    let waited = 0;
    for (const at of [5, 10, 20, 30]) {
      await new Promise((resolve) => setTimeout(resolve, (at - waited) * 1000));
      waited = at;
      samples.push(`${at} s ${rssMiB(pid).toFixed(0)}`);
    }
    console.log(`run ${run}: idle RSS MiB — ${samples.join(', ')}`);
  } finally {
    await world.stop();
  }
}
console.log(`machine: ${machine()}`);
