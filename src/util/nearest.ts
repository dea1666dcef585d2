/** The nearest of a list of names to a mistyped one (for "did you mean …?" in error messages). */

/** editDistance(a, b): the Levenshtein distance (insertions, deletions, substitutions of one character). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Edits allowed per character of the name before a candidate is too far to suggest. */
const MAX_EDITS_PER_CHARACTER = 1 / 3;
const MIN_MAX_EDITS = 2;

/**
 * nearestName(name, candidates): the candidate closest to name (case-insensitive), or undefined when none is close.
 * Dotted names also match on their last segment, so `steps` finds `train.steps`.
 */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const last = (dotted: string): string => dotted.slice(dotted.lastIndexOf('.') + 1);
  const distance = (candidate: string): number => {
    const c = candidate.toLowerCase();
    return Math.min(editDistance(lower, c), editDistance(last(lower), last(c)) + (c.includes('.') ? 1 : 0));
  };
  const maxEdits = Math.max(MIN_MAX_EDITS, Math.floor(name.length * MAX_EDITS_PER_CHARACTER));
  let best: { candidate: string; edits: number } | undefined;
  for (const candidate of candidates) {
    const edits = distance(candidate);
    if (edits <= maxEdits && (best === undefined || edits < best.edits)) best = { candidate, edits };
  }
  return best?.candidate;
}
