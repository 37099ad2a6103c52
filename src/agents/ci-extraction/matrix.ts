/**
 * Reduce a CI build matrix to the one entry worth reproducing here: a Linux runner (ubuntu
 * preferred) and the latest stable version of each versioned axis (not dev/nightly/pypy).
 * Follows GitHub's include/exclude rules closely enough for real workflows.
 */

export type MatrixEntry = Record<string, unknown>;

const MAX_COMBINATIONS = 1024;

const UNSTABLE = /(^|[^a-z])(dev|nightly|beta|alpha|rc\d*|canary|head|preview|pre|ea|pypy[\w.-]*|graalpy[\w.-]*|experimental|insiders|next)([^a-z]|$)/i;
const VERSIONISH = /^v?\d+(\.\d+)*(\.x)?(-[\w.]+)?$|^(lts\/\*|lts\/[a-z]+|stable|latest|current|node|lts)$/i;

function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? '';
}

/** Comparable numeric parts of a version value ("3.10" → [3, 10]); undefined when not a version. */
function versionParts(v: unknown): number[] | undefined {
  const s = text(v).trim();
  if (/^(lts\/\*|lts|stable|latest|current|node)$/i.test(s)) return [9_999];
  const m = /^v?(\d+(?:\.\d+)*)/.exec(s);
  return m ? m[1].split('.').map(Number) : undefined;
}

function cmpVersion(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d) return d;
  }
  return 0;
}

/** Matrix keys that name the runner's system, and values that are runner labels whatever their key. */
const OS_KEY = /(^|[-_])(os|runner|runs[-_]?on|platform|image|host|vm|machine|system|distro|container)([-_]|$)/i;
const RUNNER_LABEL = /^(ubuntu|windows|macos)-[\w.]+$/i;

/**
 * How much a value says "runs on Linux". Only for keys about the runner: a Rust target triple
 * (`target: x86_64-unknown-linux-musl`) names a cross-compilation, not the system to run on.
 */
function osScore(key: string, v: unknown): number {
  if (!OS_KEY.test(key) && !RUNNER_LABEL.test(text(v).trim())) return 0;
  const s = text(v).toLowerCase();
  if (/ubuntu/.test(s)) return 100;
  if (/linux|debian|fedora|alpine/.test(s)) return 80;
  if (/windows|macos|\bmac\b|osx|darwin|win\d|\bwin\b/.test(s)) return -100;
  return 0;
}

function scoreEntry(entry: MatrixEntry, versionRanks: Map<string, Map<string, number>>): number {
  let score = 0;
  for (const [k, v] of Object.entries(entry)) {
    score += osScore(k, v);
    const s = text(v);
    if (VERSIONISH.test(s) || versionParts(v)) {
      if (UNSTABLE.test(s)) score -= 20;
      score += versionRanks.get(k)?.get(s) ?? 0;
    } else if (UNSTABLE.test(s) && !/ubuntu/.test(s)) score -= 5;
  }
  return score;
}

const matches = (entry: MatrixEntry, pattern: MatrixEntry): boolean =>
  Object.entries(pattern).every(([k, v]) => k in entry && text(entry[k]) === text(v));

/**
 * The chosen entry, or undefined for no matrix. `axes` are the keys with their value lists;
 * `include`/`exclude` the lists of partial entries; `prefer` adds to an entry's score (versions
 * installed on this machine).
 */
export function chooseMatrixEntry(axes: Record<string, unknown[]>, include: MatrixEntry[] = [], exclude: MatrixEntry[] = [], prefer?: (entry: MatrixEntry) => number): MatrixEntry | undefined {
  const keys = Object.keys(axes).filter((k) => axes[k].length > 0);
  if (keys.length === 0 && include.length === 0) return undefined;

  // Versioned axes: rank stable versions so the latest gets the highest bonus.
  const versionRanks = new Map<string, Map<string, number>>();
  const allValues = new Map<string, unknown[]>();
  for (const k of keys) allValues.set(k, [...axes[k]]);
  for (const inc of include) for (const [k, v] of Object.entries(inc)) allValues.set(k, [...(allValues.get(k) ?? []), v]);
  for (const [k, values] of allValues) {
    const stable = values.filter((v) => versionParts(v) && !UNSTABLE.test(text(v))).map((v) => ({ s: text(v), p: versionParts(v)! }));
    stable.sort((a, b) => cmpVersion(a.p, b.p));
    const ranks = new Map<string, number>();
    stable.forEach((x, i) => ranks.set(x.s, stable.length > 1 ? (10 * i) / (stable.length - 1) : 10));
    versionRanks.set(k, ranks);
  }

  // Trim axes so the product stays bounded: keep each axis's best few values.
  const trimmed: Record<string, unknown[]> = {};
  let product = 1;
  for (const k of keys) product *= axes[k].length;
  for (const k of keys) {
    let vals = axes[k];
    if (product > MAX_COMBINATIONS) {
      vals = [...vals].sort((a, b) => scoreEntry({ [k]: b }, versionRanks) - scoreEntry({ [k]: a }, versionRanks)).slice(0, 3);
    }
    trimmed[k] = vals;
  }

  let combos: MatrixEntry[] = keys.length ? [{}] : [];
  for (const k of keys) combos = combos.flatMap((c) => trimmed[k].map((v) => ({ ...c, [k]: v })));
  combos = combos.filter((c) => !exclude.some((x) => matches(c, x)));

  // include: extend every original combination it matches without overwriting; else add it alone.
  const extra: MatrixEntry[] = [];
  for (const inc of include) {
    const original = Object.fromEntries(Object.entries(inc).filter(([k]) => keys.includes(k)));
    let used = false;
    for (const c of combos) {
      if (!matches(c, original)) continue;
      for (const [k, v] of Object.entries(inc)) if (!keys.includes(k)) c[k] = v;
      used = true;
    }
    if (!used) extra.push({ ...inc });
  }
  combos.push(...extra);
  if (combos.length === 0) return undefined;

  const score = (c: MatrixEntry) => scoreEntry(c, versionRanks) + (prefer?.(c) ?? 0);
  let best = combos[0];
  let bestScore = score(best);
  for (const c of combos.slice(1)) {
    const s = score(c);
    if (s > bestScore) { best = c; bestScore = s; }
  }
  return best;
}
