/**
 * Version reading and constraint matching for toolchains. Version files mean different things per
 * language: `go 1.22` in go.mod and `rust-version` are minimums, `.python-version` / `.nvmrc`
 * numbers name a release line, `engines` fields are npm ranges.
 */
import semver from 'semver';

/** First version-looking token of a `--version` line (`go1.22.1`, `Python 3.11.4`, `"17.0.2"`). */
export function parseVersion(text: string): string | undefined {
  const java8 = text.match(/"1\.(\d+)\.0[_.](\d+)/);
  if (java8) return `${java8[1]}.0.${java8[2]}`;
  const m = text.match(/(\d+)\.(\d+)(?:\.(\d+))?/) ?? text.match(/\bv?(\d+)\b/);
  if (!m) return undefined;
  return `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}`;
}

/** `minimum`: go.mod, rust-version; `line`: same major.minor; `major`: same major (.nvmrc). */
export type ConstraintKind = 'minimum' | 'line' | 'major';

/**
 * An npm-style range for a constraint, or undefined when it names no checkable version
 * (`lts/*`, `latest`, `stable`, `node`).
 */
export function toRange(constraint: string | undefined, kind: ConstraintKind = 'line'): string | undefined {
  if (!constraint) return undefined;
  let c = constraint.trim().replace(/^(go|python|ruby|node|java|jdk)[\s-]*/i, '');
  if (/^(lts\/.*|latest|stable|node|current|\*)$/i.test(c) || c === '') return undefined;
  c = c.replace(/,\s*/g, ' ').replace(/==/g, '=').replace(/~=\s*(\d+\.\d+)(\.\d+)?/, (_m, a: string, b?: string) => (b ? `~${a}${b}` : `^${a}`));
  const bare = c.replace(/^v/, '');
  if (/^\d+(\.\d+){0,2}$/.test(bare)) {
    if (kind === 'minimum') return `>=${semver.coerce(bare)!.version}`;
    const parts = bare.split('.');
    if (kind === 'major' || parts.length === 1) return `${parts[0]}.x`;
    return `~${parts[0]}.${parts[1]}.0`;
  }
  return semver.validRange(c, { loose: true }) ?? undefined;
}

export function satisfies(found: string, range: string | undefined): boolean {
  if (!range) return true;
  const v = semver.coerce(found);
  return !!v && semver.satisfies(v, range, { loose: true, includePrerelease: false });
}
