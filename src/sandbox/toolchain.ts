/**
 * Provisions the toolchain a plan names before its steps run, inside the sandbox (so downloads are
 * contained and land in the run's own home):
 *
 * - Node package managers at the pinned version — yarn 1 / yarn berry / pnpm through corepack
 *   (shims in `<home>/.nova/bin`); when corepack cannot (its signature check fails against some
 *   registries/mirrors), from the npm registry into `<home>/.nova/tools/<pm>@<version>`; bun
 *   from its npm package; npm itself when another major is pinned.
 * - Node itself, when the available one does not satisfy the project's constraint, from the npm
 *   registry's `node-linux-<arch>` packages (no nodejs.org download needed), with an npm that
 *   runs on it.
 * - Python, Go, Rust, Java, Ruby, PHP, .NET, C/C++ tools: checked against the constraint and
 *   reported; they are not installed.
 *
 * The result says what to put first on PATH for every later step and what the report should say.
 */
import { existsSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import semver from 'semver';
import type { Ecosystem } from '../protocol/plan.js';
import type { ExecResult, Sandbox, SandboxLimits } from './sandbox.js';
import { parseVersion, satisfies, toRange, type ConstraintKind } from './toolchain-versions.js';
import { basePath } from './env.js';
import { ProbeCache } from './probe-cache.js';

export interface ToolStatus {
  tool: string;
  wanted?: string;
  found?: string;
  /** How it was provided. */
  via?: 'system' | 'corepack' | 'npm-registry';
  ok: boolean;
}

export interface ToolchainResult {
  /** In-sandbox folders to put first on PATH for every later step. */
  pathPrepend: string[];
  env: Record<string, string>;
  /** Plain sentences for the report. */
  notes: string[];
  tools: ToolStatus[];
  /** False when a tool the plan needs is missing or could not be provisioned. */
  ok: boolean;
}

export interface ProvisionOptions {
  sandbox: Sandbox;
  ecosystems: Pick<Ecosystem, 'name' | 'root' | 'packageManager' | 'packageManagerVersion' | 'languageVersion' | 'languageVersionSource'>[];
  /** Limits for each provisioning command (default: 5 minutes, 2 GiB). */
  limits?: SandboxLimits;
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /**
   * File keeping the first probe's versions between runs (see probe-cache.ts); used only by
   * sandboxes that see the host's filesystem. Without it every run probes.
   */
  probeCacheFile?: string;
}

const DEFAULT_LIMITS: SandboxLimits = { timeoutMs: 5 * 60_000, memoryBytes: 2 * 1024 ** 3, maxProcesses: 512 };
const NPM_QUIET = '--no-save --no-package-lock --no-audit --no-fund --loglevel=error';

/** Default versions when a project names a package manager but no version. */
const DEFAULT_PM_VERSION: Record<string, string> = { yarn: '1.22.22', berry: '4', pnpm: '9', bun: '1' };

/** Tools each ecosystem needs, the command that prints a version, and how its constraint reads. */
const PROBES: Record<string, { tool: string; cmd: string; constraint?: ConstraintKind }[]> = {
  node: [{ tool: 'node', cmd: 'node --version', constraint: 'major' }, { tool: 'npm', cmd: 'npm --version' }],
  python: [{ tool: 'python3', cmd: 'python3 --version', constraint: 'line' }],
  go: [{ tool: 'go', cmd: 'go version', constraint: 'minimum' }],
  rust: [{ tool: 'rustc', cmd: 'rustc --version', constraint: 'minimum' }, { tool: 'cargo', cmd: 'cargo --version' }],
  'java-maven': [{ tool: 'java', cmd: 'java -version', constraint: 'minimum' }],
  'java-gradle': [{ tool: 'java', cmd: 'java -version', constraint: 'minimum' }],
  ruby: [{ tool: 'ruby', cmd: 'ruby --version', constraint: 'line' }],
  php: [{ tool: 'php', cmd: 'php --version', constraint: 'minimum' }],
  dotnet: [{ tool: 'dotnet', cmd: 'dotnet --version', constraint: 'minimum' }],
  cmake: [{ tool: 'cmake', cmd: 'cmake --version' }, { tool: 'make', cmd: 'make --version' }, { tool: 'cc', cmd: 'cc --version' }],
  meson: [{ tool: 'meson', cmd: 'meson --version' }, { tool: 'cc', cmd: 'cc --version' }],
  autotools: [{ tool: 'make', cmd: 'make --version' }, { tool: 'cc', cmd: 'cc --version' }],
  make: [{ tool: 'make', cmd: 'make --version' }],
};

/** Package managers the probes cover when the plan names them. */
const PM_PROBES: Record<string, string> = { maven: 'mvn --version', gradle: 'gradle --version', bundler: 'bundle --version', composer: 'composer --version', pip: 'pip3 --version', poetry: 'poetry --version', uv: 'uv --version', pipenv: 'pipenv --version' };

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `pnpm@9.1.0+sha512.…` → `9.1.0`. */
function cleanVersion(v: string | undefined): string | undefined {
  return v?.replace(/\+.*$/, '').trim() || undefined;
}

class Provisioner {
  readonly notes: string[] = [];
  readonly tools: ToolStatus[] = [];
  readonly pathPrepend: string[] = [];
  readonly env: Record<string, string> = { COREPACK_ENABLE_AUTO_PIN: '0', COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' };
  ok = true;
  /** The Node version steps will run with (the system one, or the one provisioned). */
  private nodeVersion?: string;
  /** Where the headers of that Node are (`<dir>/include/node`), for node-gyp. */
  private nodeDir?: string;
  private readonly home: string;
  private readonly limits: SandboxLimits;

  constructor(private readonly o: ProvisionOptions) {
    this.home = o.sandbox.inside?.home ?? '$HOME';
    this.limits = o.limits ?? DEFAULT_LIMITS;
  }

  run(command: string, network: boolean, cwd?: string): Promise<ExecResult> {
    return this.o.sandbox.exec({ command, network, cwd, limits: this.limits, env: this.env, pathPrepend: this.pathPrepend, onOutput: this.o.onOutput });
  }

  /**
   * The first probe (PATH and environment as every run starts them) through the cache, when there
   * is one for this sandbox.
   */
  async probeInitial(cmds: { tool: string; cmd: string }[]): Promise<Map<string, string | undefined>> {
    const file = this.o.probeCacheFile;
    if (!file || this.o.sandbox.kind === 'docker' || this.pathPrepend.length) return this.probe(cmds);
    const cache = new ProbeCache(file, this.o.sandbox.kind, basePath());
    const cached = cache.lookup(cmds);
    if (cached) return cached;
    const found = await this.probe(cmds);
    cache.store(cmds, found);
    return found;
  }

  /** Versions of several tools in one sandboxed command: `tool<TAB>first line` per tool. */
  async probe(cmds: { tool: string; cmd: string }[]): Promise<Map<string, string | undefined>> {
    const script = cmds
      .map(({ tool, cmd }) => `if command -v ${cmd.split(' ')[0]} >/dev/null 2>&1; then printf '%s\\t%s\\n' ${shellQuote(tool)} "$(${cmd} 2>&1 | head -n 3 | tr '\\n' ' ')"; else printf '%s\\t\\n' ${shellQuote(tool)}; fi`)
      .join('\n');
    const r = await this.run(script, false);
    const out = new Map<string, string | undefined>();
    for (const line of r.output.split('\n')) {
      const [tool, text] = line.split('\t');
      if (tool && text !== undefined) out.set(tool, text.trim() ? parseVersion(text) : undefined);
    }
    return out;
  }

  async provision(): Promise<ToolchainResult> {
    const ecos = this.o.ecosystems;
    const probes = new Map<string, { tool: string; cmd: string; constraint?: ConstraintKind; wanted?: string; eco: string }>();
    for (const e of ecos) {
      for (const p of PROBES[e.name] ?? []) if (!probes.has(p.tool)) probes.set(p.tool, { ...p, wanted: p.constraint ? e.languageVersion : undefined, eco: e.name });
      const pmCmd = PM_PROBES[e.packageManager];
      if (pmCmd && !probes.has(e.packageManager)) probes.set(e.packageManager, { tool: e.packageManager, cmd: pmCmd, eco: e.name });
    }
    const found = probes.size ? await this.probeInitial([...probes.values()]) : new Map<string, string | undefined>();

    this.nodeVersion = found.get('node');
    for (const p of probes.values()) {
      const have = found.get(p.tool);
      const range = toRange(p.wanted, p.constraint);
      if (p.tool === 'node' && have && !satisfies(have, range)) {
        await this.provisionNode(p.wanted!, range!, have);
        continue;
      }
      if (p.tool === 'npm' && this.tools.some((t) => t.tool === 'node' && t.via === 'npm-registry')) continue;
      if (!have) {
        const wrapper = (p.tool === 'maven' || p.tool === 'gradle') ? ' (the project\'s wrapper script, if any, will fetch it)' : '';
        this.notes.push(`${p.tool} is not installed here${p.wanted ? ` (the project wants ${p.wanted})` : ''}${wrapper}.`);
        this.tools.push({ tool: p.tool, wanted: p.wanted, ok: false });
        if (!wrapper) this.ok = false;
        continue;
      }
      const fits = satisfies(have, range);
      this.tools.push({ tool: p.tool, wanted: p.wanted, found: have, via: 'system', ok: fits });
      if (!fits) this.notes.push(`${p.tool} ${have} is installed but the project wants ${p.wanted}; it cannot be installed here, so the steps run with ${have}.`);
    }

    // The repository root's package manager last, so it comes first on PATH: sub-projects (a docs
    // website, examples) must not shadow the one the main steps use.
    const nodeEcos = ecos.filter((x) => x.name === 'node').sort((a, b) => Number(isRoot(a.root)) - Number(isRoot(b.root)));
    for (const e of nodeEcos) await this.provisionPackageManager(e);
    // node-gyp downloads Node's headers from nodejs.org unless told where they are; point it at the
    // headers of the Node the steps run with (the registry packages ship them, and so do most
    // system packages), so native modules build where only the npm registry is reachable.
    if (nodeEcos.length) {
      const systemDir = dirname(dirname(process.execPath));
      const nodeDir = this.nodeDir ?? (this.o.sandbox.kind !== 'docker' && existsSync(join(systemDir, 'include', 'node', 'node.h')) ? systemDir : undefined);
      if (nodeDir) this.env.npm_config_nodedir = nodeDir;
    }
    return { pathPrepend: [...this.pathPrepend], env: { ...this.env }, notes: this.notes, tools: this.tools, ok: this.ok };
  }

  /**
   * Node from the npm registry's per-platform binary packages: the newest release of the oldest
   * major line that fits (a project asking for `>=22` is tested on 22, not on whatever is newest).
   * `why` names who wants it when it is not the project itself (a pinned package manager).
   */
  private async provisionNode(wanted: string, range: string, have: string, why = 'the project wants'): Promise<void> {
    const pkg = `node-linux-${process.arch === 'arm64' ? 'arm64' : 'x64'}`;
    const view = await this.run(`npm view ${shellQuote(`${pkg}@${range}`)} version --json`, true);
    let versions: string[] = [];
    try {
      const parsed = JSON.parse(view.output.trim() || 'null') as unknown;
      versions = (Array.isArray(parsed) ? parsed : parsed ? [parsed] : []).filter((v): v is string => typeof v === 'string');
    } catch {
      versions = [];
    }
    const fitting = versions.filter((v) => semver.valid(v) && semver.satisfies(v, range));
    const lowestMajor = fitting.length ? Math.min(...fitting.map((v) => semver.major(v))) : undefined;
    const best = semver.maxSatisfying(fitting.filter((v) => semver.major(v) === lowestMajor), range);
    if (!best) {
      this.notes.push(`${capitalize(why)} Node ${wanted} but ${have} is installed, and no matching Node could be found on the npm registry (${pkg}); the steps run with ${have}.`);
      this.tools.push({ tool: 'node', wanted, found: have, via: 'system', ok: false });
      return;
    }
    const prefix = posix.join(this.home, '.nova', 'tools', `node@${best}`);
    const major = semver.major(best);
    // The npm bundled here may not run on an older Node: pair it with one that does.
    const npm = major >= 18 ? 'npm@10' : major >= 14 ? 'npm@9' : major >= 12 ? 'npm@8' : 'npm@6';
    const r = await this.run(`npm install --prefix ${shellQuote(prefix)} ${NPM_QUIET} --ignore-scripts ${pkg}@${best} ${npm} && ${shellQuote(prefix)}/node_modules/${pkg}/bin/node --version`, true);
    if (r.exitCode !== 0) {
      this.notes.push(`${capitalize(why)} Node ${wanted}; installing Node ${best} from the npm registry failed (exit ${r.exitCode}); the steps run with ${have}.`);
      this.tools.push({ tool: 'node', wanted, found: have, via: 'system', ok: false });
      return;
    }
    this.pathPrepend.unshift(posix.join(prefix, 'node_modules', pkg, 'bin'), posix.join(prefix, 'node_modules', '.bin'));
    this.notes.push(`Node ${best} was installed from the npm registry (${pkg}) because ${why} ${wanted} and ${have} is installed; ${npm} comes with it.`);
    const i = this.tools.findIndex((t) => t.tool === 'node');
    if (i >= 0) this.tools.splice(i, 1);
    this.tools.push({ tool: 'node', wanted, found: best, via: 'npm-registry', ok: true });
    this.nodeVersion = best;
    this.nodeDir = posix.join(prefix, 'node_modules', pkg);
  }

  /**
   * A pinned package manager may need a newer Node than the one here (pnpm 11 wants >=22.13):
   * read its `engines.node` from the registry and provision a Node that fits before using it.
   */
  private async ensureNodeFor(label: string, pkg: string, version: string): Promise<void> {
    const have = this.nodeVersion;
    if (!have) return;
    const r = await this.run(`npm view ${shellQuote(`${pkg}@${version}`)} engines.node --json`, true);
    let wanted: string | undefined;
    try {
      const parsed = JSON.parse(r.output.trim() || 'null') as unknown;
      // A version range (`4`) lists one value per matching release; the newest is last.
      const last = Array.isArray(parsed) ? parsed[parsed.length - 1] : parsed;
      wanted = typeof last === 'string' ? last : undefined;
    } catch {
      wanted = undefined;
    }
    const range = wanted ? semver.validRange(wanted, { loose: true }) ?? undefined : undefined;
    if (!range || satisfies(have, range)) return;
    await this.provisionNode(wanted!, range, have, `${label} needs`);
  }

  private async provisionPackageManager(e: ProvisionOptions['ecosystems'][number]): Promise<void> {
    let pm = e.packageManager;
    const pinned = cleanVersion(e.packageManagerVersion);
    if (pm === 'npm') {
      if (!pinned) return;
      const have = (await this.probe([{ tool: 'npm', cmd: 'npm --version' }])).get('npm');
      if (have && semver.major(semver.coerce(have)!) === semver.major(semver.coerce(pinned) ?? semver.coerce(have)!)) return;
      await this.fromNpm('npm', pinned, 'npm', pinned);
      return;
    }
    if (pm !== 'yarn' && pm !== 'pnpm' && pm !== 'bun') return;
    const ws = this.o.sandbox.workspace;
    const berry = pm === 'yarn' && ((pinned !== undefined && !pinned.startsWith('1.')) || (!pinned && existsSync(join(ws, e.root, '.yarnrc.yml'))));
    const version = pinned ?? DEFAULT_PM_VERSION[berry ? 'berry' : pm];
    const label = berry ? `yarn ${version} (berry)` : `${pm} ${version}`;
    if (pm === 'bun') {
      await this.fromNpm('bun', version, 'bun', version);
      return;
    }
    await this.ensureNodeFor(label, berry ? '@yarnpkg/cli-dist' : pm, version);
    // Corepack first: it is how these projects expect to get their package manager.
    const bin = posix.join(this.home, '.nova', 'bin');
    const viaCorepack = await this.run(
      `mkdir -p ${shellQuote(bin)} && corepack enable --install-directory ${shellQuote(bin)} ${pm} && corepack install -g ${shellQuote(`${pm}@${version}`)} && PATH=${shellQuote(bin)}:$PATH ${pm} --version`,
      true,
      e.root,
    );
    const got = viaCorepack.exitCode === 0 ? parseVersion(viaCorepack.output.trim().split('\n').pop() ?? '') : undefined;
    if (got && satisfies(got, toRange(version))) {
      if (!this.pathPrepend.includes(bin)) this.pathPrepend.unshift(bin);
      this.notes.push(`${label} provided through corepack (${got}).`);
      this.tools.push({ tool: pm, wanted: version, found: got, via: 'corepack', ok: true });
      return;
    }
    const why = /signature/i.test(viaCorepack.output) ? 'its signature check failed' : viaCorepack.timedOut ? 'it timed out' : `it failed (exit ${viaCorepack.exitCode})`;
    this.notes.push(`corepack could not provide ${label} (${why}); using the npm registry instead.`);
    pm = berry ? '@yarnpkg/cli-dist' : pm;
    await this.fromNpm(berry ? 'yarn' : e.packageManager, version, pm, version);
  }

  /** `npm install --prefix <home>/.nova/tools/<name>@<version> <pkg>@<version>`, bin first on PATH. */
  private async fromNpm(tool: string, wanted: string, pkg: string, version: string): Promise<void> {
    const prefix = posix.join(this.home, '.nova', 'tools', `${tool}@${version}`);
    const spec = shellQuote(`${pkg}@${version}`);
    // Install scripts stay off; bun's only links its platform binary, so it is run by name.
    const after = pkg === 'bun' ? ` && (cd ${shellQuote(prefix)}/node_modules/bun && node install.js)` : '';
    const r = await this.run(`npm install --prefix ${shellQuote(prefix)} ${NPM_QUIET} --ignore-scripts ${spec}${after} && ${shellQuote(prefix)}/node_modules/.bin/${tool} --version`, true);
    const got = r.exitCode === 0 ? parseVersion(r.output.trim().split('\n').pop() ?? '') : undefined;
    if (!got) {
      this.ok = false;
      this.notes.push(`${tool} ${wanted} could not be installed from the npm registry (exit ${r.exitCode}${r.limitHit ? `, ${r.limitHit}` : ''}).`);
      this.tools.push({ tool, wanted, ok: false });
      return;
    }
    this.pathPrepend.unshift(posix.join(prefix, 'node_modules', '.bin'));
    this.notes.push(`${tool} ${got} installed from the npm registry (${pkg}).`);
    this.tools.push({ tool, wanted, found: got, via: 'npm-registry', ok: true });
  }
}

function isRoot(root: string): boolean {
  return root === '' || root === '.' || root === './';
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function provisionToolchain(o: ProvisionOptions): Promise<ToolchainResult> {
  return new Provisioner(o).provision();
}
