/**
 * What a build or its tests need beyond the package manager, so a run can say in advance why it
 * will not pass here: toolchain versions, services (databases, caches), browsers, network during
 * tests, git submodules, credentials and system packages. `satisfied` is checked against this
 * machine where that is cheap (PATH lookups, memoised version probes, dpkg status, a local port).
 */
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import type { CandidateStep, Ecosystem, PlanStep, Prerequisite, Provenance } from '../../protocol/plan.js';
import type { RepoFs } from '../../repo/repo-fs.js';
import type { SystemHint } from '../repository-analysis/types.js';
import { effectiveConstraint } from './validation.js';
import { browserAvailable, debianPackageInstalled, portOpen, toolVersion, which } from './machine.js';

/** Data services tests commonly need, with their default port and the names they go by. */
export const KNOWN_SERVICES: { name: string; port?: number; pattern: RegExp }[] = [
  { name: 'postgres', port: 5432, pattern: /\b(postgres(?:ql)?|postgis|timescale(?:db)?)\b/i },
  { name: 'mysql', port: 3306, pattern: /\b(mysql|mariadb|percona)\b/i },
  { name: 'redis', port: 6379, pattern: /\b(redis|valkey|keydb)\b/i },
  { name: 'mongodb', port: 27017, pattern: /\b(mongo(?:db)?)\b/i },
  { name: 'rabbitmq', port: 5672, pattern: /\brabbitmq\b/i },
  { name: 'elasticsearch', port: 9200, pattern: /\b(elasticsearch|opensearch)\b/i },
  { name: 'memcached', port: 11211, pattern: /\bmemcached?\b/i },
  { name: 'kafka', port: 9092, pattern: /\bkafka\b/i },
  { name: 'minio', port: 9000, pattern: /\bminio\b/i },
];

export function serviceOf(text: string): (typeof KNOWN_SERVICES)[number] | undefined {
  return KNOWN_SERVICES.find((s) => s.pattern.test(text));
}

const LANGUAGE_OF: Partial<Record<Ecosystem['name'], string>> = {
  node: 'node', python: 'python', go: 'go', rust: 'rust', 'java-maven': 'java', 'java-gradle': 'java', ruby: 'ruby', php: 'php', dotnet: 'dotnet',
};

/** The executable a package manager name stands for. */
const PM_TOOL: Record<string, string | undefined> = {
  npm: 'npm', pnpm: 'pnpm', yarn: 'yarn', bun: 'bun', uv: 'uv', poetry: 'poetry', pdm: 'pdm', pipenv: 'pipenv', hatch: 'hatch', pip: 'pip3',
  go: 'go', cargo: 'cargo', maven: 'mvn', gradle: 'gradle', bundler: 'bundle', composer: 'composer', nuget: 'dotnet',
  cmake: 'cmake', meson: 'meson', make: 'make', docker: 'docker', 'docker-compose': 'docker',
};

/** Whether an installed version satisfies a written constraint; undefined when either is unclear. */
export function versionSatisfies(installed: string | null, constraint: string): boolean | undefined {
  if (installed === null) return false;
  const c = constraint.trim().replace(/^v(?=\d)/, '').replace(/^(\d+(?:\.\d+)*)\.x$/, '$1');
  if (/^(lts|node|stable|latest|nightly|beta|system)/i.test(c)) return /^stable|latest|system/i.test(c) ? true : undefined;
  if (/^go\d/.test(c)) return versionSatisfies(installed, c.slice(2));
  // A bare version pins a release line: "3.11" means 3.11.x, "20" means 20.x.
  if (/^\d+(\.\d+)?$/.test(c)) {
    const parts = c.split('.');
    const inst = installed.split('.');
    return parts.every((p, i) => inst[i] === String(Number(p)));
  }
  if (/^\d+\.\d+\.\d+$/.test(c)) return installed === c ? true : semver.eq(installed, c) ? true : false;
  // PEP 440 compatible release: ~=3.10 means >=3.10,<4; ~=3.10.2 means >=3.10.2,<3.11.
  const pep440 = c.replace(/~=\s*(\d+)\.(\d+)(?:\.(\d+))?/g, (_m, a: string, b: string, p?: string) => (p === undefined ? `>=${a}.${b}.0 <${Number(a) + 1}.0.0` : `>=${a}.${b}.${p} <${a}.${Number(b) + 1}.0`));
  const range = pep440.replace(/==\s*/g, '').replace(/\s*,\s*/g, ' ').replace(/\.\*/g, '.x');
  try {
    const coerced = semver.coerce(installed);
    if (!coerced || !semver.validRange(range)) return undefined;
    return semver.satisfies(coerced, range);
  } catch {
    return undefined;
  }
}

/**
 * A version file (.nvmrc 20.11.1, .python-version 3.12.3) pins the exact release its authors
 * use; any release of the same line builds the project, so only the line is compared
 * (major for Node, Java and .NET; major.minor for the others).
 */
export function pinSatisfied(language: string, installed: string | null, constraint: string): boolean | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(constraint.trim());
  if (!m || installed === null) return versionSatisfies(installed, constraint);
  const line = language === 'node' || language === 'java' || language === 'dotnet' ? m[1] : `${m[1]}.${m[2]}`;
  return versionSatisfies(installed, line);
}

export interface PrerequisiteInput {
  fs: RepoFs;
  ecosystems: Ecosystem[];
  steps: PlanStep[];
  systemHints: SystemHint[];
  ciToolchains: { language: string; version: string; alternatives?: string[]; source: Provenance }[];
  ciServices: { name: string; source: Provenance }[];
  /** Whether to check `satisfied` against this machine. */
  probe: boolean;
}

export function canonicalLanguage(l: string): string {
  const x = l.toLowerCase();
  return x === 'nodejs' ? 'node' : x === 'golang' ? 'go' : x === 'jdk' || x === 'temurin' ? 'java' : x === 'python3' ? 'python' : x;
}

export async function detectPrerequisites(input: PrerequisiteInput): Promise<{ prerequisites: Prerequisite[]; extraSteps: CandidateStep[]; warnings: string[] }> {
  const out: Prerequisite[] = [];
  const warnings: string[] = [];
  const extraSteps: CandidateStep[] = [];
  const add = (p: Prerequisite) => {
    if (!out.some((q) => q.kind === p.kind && q.name === p.name && q.detail === p.detail)) out.push(p);
  };

  // Toolchains: language versions the manifests or CI ask for, and the package manager tools.
  const wanted = new Map<string, { version: string; alternatives?: string[]; source: Provenance }>();
  for (const e of input.ecosystems) {
    const lang = LANGUAGE_OF[e.name];
    if (lang && e.languageVersion && !wanted.has(lang)) wanted.set(lang, { version: effectiveConstraint(lang, e.languageVersion), source: { kind: 'manifest', file: e.root === '.' ? e.languageVersionSource : `${e.root}/${e.languageVersionSource}` } });
  }
  for (const t of input.ciToolchains) {
    const lang = canonicalLanguage(t.language);
    if (!wanted.has(lang)) wanted.set(lang, { version: t.version, ...(t.alternatives ? { alternatives: t.alternatives } : {}), source: t.source });
  }
  for (const e of input.ecosystems) {
    const lang = LANGUAGE_OF[e.name];
    if (lang && !wanted.has(lang)) wanted.set(lang, { version: '', source: { kind: 'manifest', file: e.root === '.' ? undefined : e.root } });
  }
  for (const [lang, { version, alternatives, source }] of wanted) {
    const installed = input.probe ? toolVersion(lang) : undefined;
    // CI's matrix runs several versions: any of them will do (the chosen one is installed when any is).
    const versions = alternatives?.length ? alternatives : version ? [version] : [];
    const satisfied = installed === undefined ? undefined : versions.length ? anyTrue(versions.map((v) => pinSatisfied(lang, installed, v))) : installed !== null;
    const wants = versions.length > 1 ? `wants one of ${versions.join(', ')} (CI's matrix)` : version ? `wants ${version}` : 'any version';
    add({
      kind: 'toolchain', name: lang,
      detail: `${wants}${installed === undefined ? '' : installed === null ? '; not installed here' : `; ${installed} installed here`}`,
      ...(satisfied === undefined ? {} : { satisfied }), source,
    });
  }
  const tools = new Set<string>();
  for (const e of input.ecosystems) {
    const tool = e.packageManager === 'maven-wrapper' || e.packageManager === 'gradle-wrapper' ? undefined : PM_TOOL[e.packageManager];
    if (tool && tool !== LANGUAGE_OF[e.name] && !tools.has(tool)) {
      tools.add(tool);
      add({ kind: 'toolchain', name: tool, detail: `package manager of ${e.name}${e.root === '.' ? '' : ` in ${e.root}`}${e.packageManagerVersion ? ` (wants ${e.packageManagerVersion})` : ''}`, ...(input.probe ? { satisfied: which(tool) !== null } : {}), source: { kind: 'manifest', file: e.root === '.' ? undefined : e.root } });
    }
  }

  // Services: CI service containers, compose files, and documentation that says it needs one.
  const services = new Map<string, Prerequisite>();
  const noteService = (text: string, source: Provenance, detail: string) => {
    const s = serviceOf(text);
    if (s && !services.has(s.name)) services.set(s.name, { kind: 'service', name: s.name, detail, source });
  };
  for (const s of input.ciServices) noteService(s.name, s.source, `CI starts a ${s.name} service`);
  for (const f of ['docker-compose.yml', 'docker-compose.yaml', 'compose.yaml', 'compose.yml', 'docker-compose.test.yml', 'docker-compose.dev.yml']) {
    const text = input.fs.readText(f, 256 * 1024);
    if (!text) continue;
    let doc: unknown;
    try { doc = parseYaml(text, { maxAliasCount: 100 }); } catch { warnings.push(`${f} is not valid YAML; its services were not read`); continue; }
    const svc = typeof doc === 'object' && doc && 'services' in doc ? (doc as { services: unknown }).services : undefined;
    if (typeof svc !== 'object' || !svc) continue;
    for (const [name, def] of Object.entries(svc as Record<string, unknown>)) {
      const image = typeof def === 'object' && def && typeof (def as { image?: unknown }).image === 'string' ? (def as { image: string }).image : '';
      noteService(`${image} ${name}`, { kind: 'manifest', file: f, detail: 'compose service' }, `${f} defines service "${name}"${image ? ` (${image})` : ''}`);
    }
  }
  for (const doc of ['README.md', 'README.rst', 'README', 'CONTRIBUTING.md', 'docs/development.md', 'DEVELOPMENT.md']) {
    const text = input.fs.readText(doc, 256 * 1024);
    if (!text) continue;
    for (const m of text.matchAll(/\b(requires?|needs?|running|start|install(?:ed)?|depends on)\b[^.\n]{0,60}?\b(PostgreSQL|Postgres|MySQL|MariaDB|Redis|MongoDB|RabbitMQ|Elasticsearch|Memcached|Kafka)\b/gi)) {
      const line = text.slice(0, m.index).split('\n').length;
      noteService(m[2], { kind: 'docs', file: doc, line }, `${doc} mentions needing ${m[2]}`);
    }
  }
  await Promise.all([...services.values()].map(async (p) => {
    const port = KNOWN_SERVICES.find((s) => s.name === p.name)?.port;
    if (input.probe && port) {
      p.satisfied = await portOpen(port);
      p.detail += p.satisfied ? `; something listens on 127.0.0.1:${port}` : `; nothing listens on 127.0.0.1:${port}`;
    }
  }));
  out.push(...services.values());

  // Browsers and system packages implied by dependencies.
  for (const h of input.systemHints) {
    if (h.kind === 'browser') {
      add({ kind: 'browser', name: 'browser', detail: `${h.dependency} drives a browser (${h.ecosystem} in ${h.root})`, ...(input.probe ? { satisfied: browserAvailable() } : {}), source: { kind: 'manifest', file: h.root === '.' ? undefined : h.root, detail: h.dependency } });
      continue;
    }
    for (const pkg of h.apt) {
      const installed = input.probe ? debianPackageInstalled(pkg) : undefined;
      add({ kind: 'system-package', name: pkg, detail: `for ${h.dependency}${h.optional ? ` (${h.why ?? 'only in some setups'})` : ''}`, ...(installed === undefined ? {} : { satisfied: installed }), source: { kind: 'manifest', detail: h.dependency } });
    }
  }

  // Network during tests: test steps that fetch things, or browsers that get downloaded.
  for (const s of input.steps) {
    if (s.stage !== 'test') continue;
    const script = scriptBody(input.ecosystems, s.command);
    if (/\b(curl|wget|git clone|docker (pull|run|compose)|docker-compose|playwright install)\b|https?:\/\//.test(`${s.command}\n${script ?? ''}`)) {
      add({ kind: 'network', name: 'network during tests', detail: `\`${s.command}\` downloads or contacts the network`, source: s.source });
    }
  }

  // Test suites that declare network-dependent tests (pytest markers such as `network`, `online`).
  for (const f of ['pyproject.toml', 'pytest.ini', 'setup.cfg', 'tox.ini']) {
    const text = input.fs.readText(f, 256 * 1024);
    const m = text && /^\s*["']?(network|online|internet|requires_network|needs_network|integration_network)\b[^\n]*$/im.exec(text.slice(Math.max(0, text.search(/markers\s*=/)), text.search(/markers\s*=/) >= 0 ? undefined : 0));
    if (m) {
      add({ kind: 'network', name: 'network during tests', detail: `${f} declares a "${m[1]}" test marker`, source: { kind: 'manifest', file: f, line: text.slice(0, text.indexOf(m[0])).split('\n').length + (m[0].startsWith('\n') ? 1 : 0) } });
      break;
    }
  }

  // Git submodules.
  const gm = input.fs.readText('.gitmodules', 64 * 1024);
  if (gm !== undefined) {
    const paths = [...gm.matchAll(/^\s*path\s*=\s*(.+?)\s*$/gm)].map((m) => m[1]);
    const missing = paths.filter((p) => !input.fs.isDir(p) || input.fs.list(p).length === 0);
    add({ kind: 'submodules', name: paths.join(', ') || '.gitmodules', detail: missing.length ? `not checked out: ${missing.join(', ')}` : 'all checked out', satisfied: missing.length === 0, source: { kind: 'manifest', file: '.gitmodules' } });
    if (missing.length) {
      extraSteps.push({ stage: 'system', command: 'git submodule update --init --recursive', source: { kind: 'manifest', file: '.gitmodules', detail: 'git submodules' }, confidence: 0.8, platform: 'any' });
    }
  }

  // Credentials: placeholders in commands, CI secrets, and env templates.
  for (const s of input.steps) {
    const shown = s.command.split('\n')[0].slice(0, 80) + (s.command.length > 80 || s.command.includes('\n') ? '…' : '');
    for (const n of s.needsInput ?? []) add({ kind: 'credentials', name: n, detail: `needed by \`${shown}\``, satisfied: false, source: s.source });
    for (const [k, v] of Object.entries(s.env ?? {})) {
      const m = /\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}/.exec(v);
      if (m) add({ kind: 'credentials', name: m[1], detail: `CI passes secret ${m[1]} as ${k}`, satisfied: false, source: s.source });
    }
  }
  for (const f of ['.env.example', '.env.sample', '.env.template', '.env.dist', 'env.example']) {
    if (input.fs.isFile(f)) {
      add({ kind: 'credentials', name: '.env', detail: `copy ${f} to .env and fill in its values`, satisfied: input.fs.isFile('.env'), source: { kind: 'manifest', file: f } });
      break;
    }
  }
  return { prerequisites: out, extraSteps, warnings };
}

/** true when any is true, false when all are false, otherwise unknown. */
function anyTrue(xs: (boolean | undefined)[]): boolean | undefined {
  return xs.includes(true) ? true : xs.every((x) => x === false) ? false : undefined;
}

/** The script a `npm test`/`yarn x`-style command runs, to look inside it. */
function scriptBody(ecosystems: Ecosystem[], command: string): string | undefined {
  const m = /^(?:npm|pnpm|yarn|bun)(?: run)? ([\w:.-]+)/.exec(command.trim());
  if (!m) return undefined;
  for (const e of ecosystems) if (e.scripts?.[m[1]]) return e.scripts[m[1]];
  return undefined;
}
