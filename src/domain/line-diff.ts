/**
 * What changed between two versions of a text, line by line: the lines removed and the
 * lines added, in order (a longest-common-subsequence diff). Pure. Template bodies are at
 * most 3,000 characters, so the quadratic table stays small; common leading and trailing
 * lines are taken off first.
 */
export type DiffLine = { kind: 'removed' | 'added'; text: string };

const MAX_CELLS = 4_000_000;

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const left = a.slice(start, endA);
  const right = b.slice(start, endB);
  const n = left.length;
  const m = right.length;
  // A text far beyond a template's size is not compared line by line: all of it changed.
  if (n * m > MAX_CELLS)
    return [
      ...left.map((text) => ({ kind: 'removed' as const, text })),
      ...right.map((text) => ({ kind: 'added' as const, text })),
    ];
  // lcs[i * (m + 1) + j]: length of the common subsequence of left[i..] and right[j..].
  const lcs = new Uint16Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i * (m + 1) + j] =
        left[i] === right[j]
          ? lcs[(i + 1) * (m + 1) + j + 1]! + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let run: DiffLine[] = [];
  // Within a run of changes between two unchanged lines, removals come before additions:
  // it reads as "this became that".
  const flush = () => {
    out.push(...run.filter((line) => line.kind === 'removed'), ...run.filter((line) => line.kind === 'added'));
    run = [];
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && left[i] === right[j]) {
      flush();
      i += 1;
      j += 1;
    } else if (j < m && (i === n || lcs[i * (m + 1) + j + 1]! >= lcs[(i + 1) * (m + 1) + j]!)) {
      run.push({ kind: 'added', text: right[j]! });
      j += 1;
    } else {
      run.push({ kind: 'removed', text: left[i]! });
      i += 1;
    }
  }
  flush();
  return out;
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\r\n?/g, '\n').split('\n');
}
