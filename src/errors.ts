// One error type for everything a user can fix: a message for people and an exit code for scripts.
// Exit codes (README "Exit codes"): 0 success / fits, 1 a valid question answered "no"
// (does not fit, a claim does not hold under --strict), 2 bad input or usage.
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** True for a UserError from this bundle or from the lazily loaded user-file reader (a separate bundle). */
export function isUserError(e: unknown): e is UserError {
  return e instanceof Error && e.name === 'UserError' && typeof (e as UserError).exitCode === 'number';
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n]!;
}

/** Strip the prefixes and plurals config keys vary in ("num_experts" vs "experts"). */
function stem(s: string): string {
  return s.replace(/^(num_|n_)/, '').replace(/s$/, '');
}

/** The closest candidate, when close enough to be a likely typo. */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const s = input.toLowerCase();
  const stemMatch = candidates.find((c) => c.length > 3 && stem(c.toLowerCase()) === stem(s));
  if (stemMatch) return stemMatch;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = lc.startsWith(s) || s.startsWith(lc) ? Math.min(editDistance(s, lc), 1.5) : editDistance(s, lc);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(s.length / 3));
  return best !== undefined && bestD <= limit ? best : undefined;
}

export function didYouMean(input: string, candidates: readonly string[]): string {
  const s = suggest(input, candidates);
  return s ? `; did you mean ${s}?` : '';
}
