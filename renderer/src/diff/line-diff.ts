// A small line diff (LCS) for comparing a replay with its original.

export type DiffOp = { op: 'same' | 'added' | 'removed'; text: string };

/** Above this many cells the LCS table is too big; the diff then compares line by line. */
const MAX_CELLS = 4_000_000;

export function lineDiff(before: string, after: string): DiffOp[] {
  const a = splitLines(before);
  const b = splitLines(after);
  // Common prefix and suffix are cheap and usually most of the text.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head: DiffOp[] = a.slice(0, start).map((text) => ({ op: 'same', text }));
  const tail: DiffOp[] = a.slice(endA).map((text) => ({ op: 'same', text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const middle = midA.length * midB.length > MAX_CELLS ? naive(midA, midB) : lcs(midA, midB);
  return [...head, ...middle, ...tail];
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/\r?\n/);
}

function lcs(a: string[], b: string[]): DiffOp[] {
  const n = a.length;
  const m = b.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => table[i * (m + 1) + j] as number;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] = a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const out: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: 'same', text: a[i] as string });
      i++;
      j++;
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      out.push({ op: 'removed', text: a[i++] as string });
    } else {
      out.push({ op: 'added', text: b[j++] as string });
    }
  }
  while (i < n) out.push({ op: 'removed', text: a[i++] as string });
  while (j < m) out.push({ op: 'added', text: b[j++] as string });
  return out;
}

function naive(a: string[], b: string[]): DiffOp[] {
  return [...a.map((text): DiffOp => ({ op: 'removed', text })), ...b.map((text): DiffOp => ({ op: 'added', text }))];
}

export function diffStats(ops: readonly DiffOp[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const o of ops) {
    if (o.op === 'added') added++;
    else if (o.op === 'removed') removed++;
  }
  return { added, removed };
}
