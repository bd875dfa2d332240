// "Did you mean …?" for misspelled keys, values and names.

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions (`porp` → `prop` costs 1). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(rows - 1, cols - 1);
}

// Case and `-`/`_`/space differences are the commonest slips (`depends-on`, `Strip_Prefix`), so they cost nothing.
function normalise(word: string): string {
  return word.toLowerCase().replace(/[-\s]/g, '_');
}

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a plausible typo.
 * Ties go to the earlier candidate, so list candidates in order of preference.
 */
export function suggestNearest(word: string, candidates: readonly string[]): string | undefined {
  const w = normalise(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const c = normalise(candidate);
    if (c === w) return candidate;
    const distance = editDistance(w, c);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined || w.length === 0) return undefined;
  // Allow about one edit per three characters, and at least one: `x` should not become `tcp`.
  const limit = Math.max(1, Math.floor(Math.max(w.length, best.length) / 3));
  return bestDistance <= limit ? best : undefined;
}

/** `"did you mean `command`? Valid keys: command, port, …"` */
export function describeChoices(word: string, candidates: readonly string[], what = 'keys'): string {
  const nearest = suggestNearest(word, candidates);
  const list = `valid ${what}: ${candidates.join(', ')}`;
  return nearest !== undefined ? `did you mean \`${nearest}\`? (${list})` : list;
}
