/**
 * Node.js: package manager (the `packageManager` field, then lockfiles, in Railpack's order),
 * Node version, workspaces, dependencies and the default install/build/test commands.
 */
import type { CandidateStep } from '../../protocol/plan.js';
import type { Detector, DetectContext } from './types.js';
import { asArray, asRecord, asString, depMap, escapeRe, excludedMembers, firstLine, hasFile, lineOf, matchMembers, readJsonObject, readText, readYamlValue, step } from './util.js';

/** npm's placeholder test script ("Error: no test specified"), which always fails. */
const NPM_PLACEHOLDER_TEST = /no test specified/;

type NodePm = 'npm' | 'pnpm' | 'yarn' | 'yarn-berry' | 'bun';

interface PmChoice {
  pm: NodePm;
  version?: string;
  lockfile?: string;
  from: string;
}

const LOCKFILES: [string, NodePm][] = [
  ['pnpm-lock.yaml', 'pnpm'], ['bun.lock', 'bun'], ['bun.lockb', 'bun'], ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'], ['npm-shrinkwrap.json', 'npm'],
];

function choosePm(ctx: DetectContext, pkg: Record<string, unknown>): PmChoice {
  const present = LOCKFILES.filter(([f]) => hasFile(ctx, f));
  const managers = new Set(present.map(([, pm]) => pm));
  if (managers.size > 1) {
    ctx.warn(`${ctx.dir.dir === '.' ? '' : ctx.dir.dir + ': '}several lockfiles (${present.map(([f]) => f).join(', ')}); the package manager was chosen from ${asString(pkg.packageManager) ? 'the packageManager field' : 'the first of pnpm, bun, yarn, npm'} — remove the stale ones`);
  }
  const lockOf = (pm: NodePm) => present.find(([, p]) => p === pm || (pm === 'yarn-berry' && p === 'yarn'))?.[0];
  const field = asString(pkg.packageManager);
  if (field) {
    const m = /^(npm|pnpm|yarn|bun)@([^+\s]+)/.exec(field);
    if (m) {
      let pm = m[1] as NodePm;
      if (pm === 'yarn' && !/^[01]\./.test(m[2])) pm = 'yarn-berry';
      return { pm, version: m[2], lockfile: lockOf(pm), from: 'packageManager field' };
    }
    ctx.warn(`package.json packageManager "${field}" is not of the form name@version; ignored`);
  }
  if (hasFile(ctx, 'pnpm-lock.yaml')) return { pm: 'pnpm', lockfile: 'pnpm-lock.yaml', from: 'pnpm-lock.yaml' };
  if (hasFile(ctx, 'bun.lock') || hasFile(ctx, 'bun.lockb')) return { pm: 'bun', lockfile: hasFile(ctx, 'bun.lock') ? 'bun.lock' : 'bun.lockb', from: 'bun lockfile' };
  if (hasFile(ctx, '.yarnrc.yml')) return { pm: 'yarn-berry', lockfile: lockOf('yarn'), from: '.yarnrc.yml' };
  if (hasFile(ctx, 'yarn.lock')) {
    // Berry lockfiles carry a __metadata block; v1 lockfiles start with a "# yarn lockfile v1" comment.
    const head = readText(ctx, 'yarn.lock', 4096) ?? '';
    return { pm: /__metadata:/.test(head) ? 'yarn-berry' : 'yarn', lockfile: 'yarn.lock', from: 'yarn.lock' };
  }
  const npmLock = present.find(([, p]) => p === 'npm')?.[0];
  return { pm: 'npm', lockfile: npmLock, from: npmLock ?? 'default' };
}

function installCommand(c: PmChoice): string {
  switch (c.pm) {
    case 'pnpm': return c.lockfile ? 'pnpm install --frozen-lockfile' : 'pnpm install';
    case 'bun': return c.lockfile ? 'bun install --frozen-lockfile' : 'bun install';
    case 'yarn': return c.lockfile ? 'yarn install --frozen-lockfile' : 'yarn install';
    case 'yarn-berry': return c.lockfile ? 'yarn install --immutable' : 'yarn install';
    default: return c.lockfile ? 'npm ci' : 'npm install';
  }
}

function scriptCommand(pm: NodePm, script: string): string {
  const builtin = script === 'test' || script === 'start';
  switch (pm) {
    case 'pnpm': return builtin ? `pnpm ${script}` : `pnpm run ${script}`;
    case 'bun': return `bun run ${script}`;
    case 'yarn': case 'yarn-berry': return `yarn ${script}`;
    default: return builtin ? `npm ${script}` : `npm run ${script}`;
  }
}

function nodeVersion(ctx: DetectContext, pkg: Record<string, unknown>): { version?: string; source?: string } {
  for (const f of ['.nvmrc', '.node-version']) {
    const v = firstLine(readText(ctx, f, 1024));
    if (v) return { version: v.replace(/^v(?=\d)/, ''), source: f };
  }
  const tv = readText(ctx, '.tool-versions', 4096);
  const m = tv && /^(?:nodejs|node)\s+(\S+)/m.exec(tv);
  if (m) return { version: m[1], source: '.tool-versions' };
  const volta = asString(asRecord(pkg.volta).node);
  if (volta) return { version: volta, source: 'volta.node' };
  const engines = asString(asRecord(pkg.engines).node);
  if (engines) return { version: engines, source: 'engines.node' };
  return {};
}

function workspacePatterns(ctx: DetectContext, pkg: Record<string, unknown>): { patterns: string[]; from?: string } {
  const ws = pkg.workspaces;
  const fromPkg = Array.isArray(ws) ? ws : asArray(asRecord(ws).packages);
  const patterns = fromPkg.filter((p): p is string => typeof p === 'string');
  if (patterns.length) return { patterns, from: 'package.json workspaces' };
  if (hasFile(ctx, 'pnpm-workspace.yaml')) {
    const y = asRecord(readYamlValue(ctx, 'pnpm-workspace.yaml'));
    const p = asArray(y.packages).filter((x): x is string => typeof x === 'string');
    if (p.length) return { patterns: p, from: 'pnpm-workspace.yaml' };
  }
  if (hasFile(ctx, 'lerna.json')) {
    const l = readJsonObject(ctx, 'lerna.json');
    const p = asArray(l?.packages).filter((x): x is string => typeof x === 'string');
    return { patterns: p.length ? p : ['packages/*'], from: 'lerna.json' };
  }
  return { patterns: [] };
}

export const detectNode: Detector = (ctx) => {
  if (!hasFile(ctx, 'package.json')) return undefined;
  const text = readText(ctx, 'package.json');
  const parsed = readJsonObject(ctx, 'package.json');
  const pkg = parsed ?? {};
  const pmChoice = choosePm(ctx, pkg);
  const scripts = Object.fromEntries(Object.entries(asRecord(pkg.scripts)).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const { version, source } = nodeVersion(ctx, pkg);
  const ws = workspacePatterns(ctx, pkg);
  const members = ws.patterns.length ? matchMembers(ctx, ws.patterns, (f) => f.has('package.json')) : [];
  const excluded = ws.patterns.length ? excludedMembers(ctx, ws.patterns, (f) => f.has('package.json')) : [];
  const lockfiles = LOCKFILES.map(([f]) => f).filter((f) => hasFile(ctx, f));

  const pmName = pmChoice.pm === 'yarn-berry' ? 'yarn' : pmChoice.pm;
  const candidates: CandidateStep[] = [];
  // An unreadable package.json makes every npm command fail; say so instead of planning them.
  if (!parsed) ctx.warn(`no Node.js steps planned for ${ctx.dir.dir === '.' ? 'the root' : ctx.dir.dir}: package.json could not be read`);
  else candidates.push(step(ctx, {
    stage: 'install', command: installCommand(pmChoice),
    file: pmChoice.lockfile ?? 'package.json', kind: 'manifest', confidence: pmChoice.lockfile ? 0.65 : 0.55,
    detail: `package manager from ${pmChoice.from}`,
  }));
  const scriptLine = (name: string) => lineOf(text, new RegExp(`"${escapeRe(name)}"\\s*:`));
  for (const [name, stage] of [['build', 'build'], ['test', 'test']] as const) {
    const body = scripts[name];
    if (!body || (name === 'test' && NPM_PLACEHOLDER_TEST.test(body))) continue;
    candidates.push(step(ctx, { stage, command: scriptCommand(pmChoice.pm, name), file: 'package.json', line: scriptLine(name), kind: 'manifest', confidence: 0.6, detail: `package.json script "${name}"` }));
  }

  return {
    ecosystem: {
      name: 'node',
      root: ctx.dir.dir,
      packageManager: pmName,
      ...(pmChoice.version ? { packageManagerVersion: pmChoice.version } : {}),
      ...(version ? { languageVersion: version, languageVersionSource: source } : {}),
      ...(members.length ? { workspaces: members } : {}),
      dependencies: depMap(pkg.dependencies),
      devDependencies: { ...depMap(pkg.optionalDependencies), ...depMap(pkg.devDependencies) },
      scripts,
      ...(lockfiles.length ? { lockfiles } : {}),
    },
    candidates,
    members,
    excluded,
  };
};
