/**
 * Where a thread's time went, from the profiles `node --cpu-prof --cpu-prof-dir=DIR` writes
 * (one per thread): busy and idle time, then self time summed per package or source file and
 * per function. FROM and TO (microseconds on the profiles' clock, as a bench prints them)
 * keep only the samples of the measured window.
 * Usage: npx tsx bench/cpu-profile-summary.ts DIR [FROM TO] [TOP=15]
 *
 * Time spent inside a native call (a better-sqlite3 statement, a hash) counts as the self
 * time of the JavaScript function that made the call.
 */
import fs from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [dir, fromArg, toArg, topArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: cpu-profile-summary.ts DIR [FROM TO] [TOP]');
const from = Number(fromArg ?? -Infinity);
const to = Number(toArg ?? Infinity);
const top = Number(topArg ?? 15);

/** A package under node_modules, else the path inside the project, else the frame's name. */
function where({ url, functionName }: CallFrame): string {
  const inModules = url.split('/node_modules/').at(-1)!;
  if (inModules !== url)
    return inModules
      .split('/')
      .slice(0, inModules.startsWith('@') ? 2 : 1)
      .join('/');
  return url.replace(`file://${process.cwd()}/`, '') || functionName;
}

function addTo(totals: Map<string, number>, key: string, micros: number): void {
  totals.set(key, (totals.get(key) ?? 0) + micros);
}

function printTop(title: string, totals: Map<string, number>): void {
  console.log(`  ${title}`);
  for (const [key, micros] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`    ${(micros / 1000).toFixed(0).padStart(7)} ms  ${key}`);
}

for (const file of fs
  .readdirSync(dir)
  .filter((name) => name.endsWith('.cpuprofile'))
  .sort()) {
  const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Profile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let time = profile.startTime;
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index]!;
    time += delta;
    if (time < from || time > to) return;
    const frame = frames.get(id)!;
    total += delta;
    if (frame.functionName === '(idle)') {
      idle += delta;
      return;
    }
    addTo(byPlace, where(frame), delta);
    addTo(byFunction, `${frame.functionName || '(anonymous)'}  ${where(frame)}:${frame.lineNumber + 1}`, delta);
  });
  if (total === 0) continue;
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms, busy ${(((total - idle) / total) * 100).toFixed(0)} %`);
  printTop('self time per package or file', byPlace);
  printTop('self time per function', byFunction);
}
