/** Rust: Cargo.toml (package, workspace members, rust-version, dependencies) and rust-toolchain files. */
import type { Detector } from './types.js';
import { asArray, asRecord, asString, depMap, firstLine, hasFile, matchMembers, readText, readTomlObject, step, unreadable } from './util.js';

export const detectRust: Detector = (ctx) => {
  if (!hasFile(ctx, 'Cargo.toml')) return undefined;
  const parsed = readTomlObject(ctx, 'Cargo.toml');
  const cargo = parsed ?? {};
  const pkg = asRecord(cargo.package);
  const workspace = asRecord(cargo.workspace);
  const patterns = asArray(workspace.members).filter((m): m is string => typeof m === 'string');
  const members = patterns.length ? matchMembers(ctx, [...patterns, ...asArray(workspace.exclude).filter((m): m is string => typeof m === 'string').map((m) => `!${m}`)], (f) => f.has('Cargo.toml')) : [];
  let version: string | undefined;
  let source: string | undefined;
  if (hasFile(ctx, 'rust-toolchain.toml')) {
    const t = readTomlObject(ctx, 'rust-toolchain.toml');
    version = asString(asRecord(t?.toolchain).channel);
    source = 'rust-toolchain.toml';
  } else if (hasFile(ctx, 'rust-toolchain')) {
    const raw = readText(ctx, 'rust-toolchain', 1024) ?? '';
    // The legacy file is either a bare channel name or TOML with a [toolchain] table.
    version = /channel\s*=\s*"([^"]+)"/.exec(raw)?.[1] ?? firstLine(raw);
    source = 'rust-toolchain';
  }
  const rustVersion = asString(pkg['rust-version']) ?? asString(asRecord(workspace.package)['rust-version']);
  if (!version && rustVersion) { version = `>=${rustVersion}`; source = 'Cargo.toml rust-version'; }
  const deps = { ...depMap(cargo.dependencies), ...depMap(workspace.dependencies) };
  const lock = hasFile(ctx, 'Cargo.lock');
  return {
    ecosystem: {
      name: 'rust', root: ctx.dir.dir, packageManager: 'cargo',
      ...(version ? { languageVersion: version, languageVersionSource: source } : {}),
      ...(members.length ? { workspaces: members } : {}),
      dependencies: deps,
      devDependencies: { ...depMap(cargo['dev-dependencies']), ...depMap(cargo['build-dependencies']) },
      ...(lock ? { lockfiles: ['Cargo.lock'] } : {}),
    },
    candidates: !parsed ? unreadable(ctx, 'Cargo.toml', 'Rust') : [
      step(ctx, { stage: 'install', command: lock ? 'cargo fetch --locked' : 'cargo fetch', file: lock ? 'Cargo.lock' : 'Cargo.toml', kind: 'default', confidence: 0.5 }),
      step(ctx, { stage: 'build', command: 'cargo build', file: 'Cargo.toml', kind: 'default', confidence: 0.5 }),
      step(ctx, { stage: 'test', command: 'cargo test', file: 'Cargo.toml', kind: 'default', confidence: 0.5 }),
    ],
    members,
  };
};
