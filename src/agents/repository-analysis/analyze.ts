/**
 * Repository analysis: one bounded walk finds the folders holding manifests, then each
 * ecosystem detector reads its manifests there. Workspace members are folded into their
 * workspace root; stray nested projects (fixtures, examples, docs) are not mistaken for the
 * project itself.
 */
import type { CandidateStep, Ecosystem, EcosystemName } from '../../protocol/plan.js';
import type { RepoFs } from '../../repo/repo-fs.js';
import type { Detector, ProjectDir, RepositoryAnalysis, SystemHint } from './types.js';
import { detectNode } from './node.js';
import { detectPython } from './python.js';
import { detectGo } from './go.js';
import { detectRust } from './rust.js';
import { detectGradle, detectMaven } from './java.js';
import { detectDotnet, detectPhp, detectRuby } from './ruby-php-dotnet.js';
import { detectDocker, detectNative } from './native.js';
import { rulesFor } from './system-packages.data.js';

const MANIFEST_NAMES = new Set([
  'package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'bun.lock', 'bun.lockb', 'yarn.lock', '.yarnrc.yml', 'package-lock.json', 'npm-shrinkwrap.json', 'lerna.json',
  '.nvmrc', '.node-version', '.tool-versions',
  'pyproject.toml', 'setup.py', 'setup.cfg', 'Pipfile', 'Pipfile.lock', 'manage.py', 'uv.lock', 'poetry.lock', 'pdm.lock', '.python-version', 'runtime.txt', 'pytest.ini', 'conftest.py', 'tox.ini',
  'go.mod', 'go.sum', 'go.work', 'Cargo.toml', 'Cargo.lock', 'rust-toolchain', 'rust-toolchain.toml',
  'pom.xml', 'mvnw', 'build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts', 'gradlew',
  'Gemfile', 'Gemfile.lock', '.ruby-version', 'Rakefile', 'composer.json', 'composer.lock', 'phpunit.xml', 'phpunit.xml.dist', 'global.json',
  'CMakeLists.txt', 'meson.build', 'configure', 'configure.ac', 'configure.in', 'autogen.sh', 'bootstrap', 'Makefile', 'makefile', 'GNUmakefile',
  'Dockerfile', 'Containerfile', 'compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml',
]);
const MANIFEST_PATTERN = /(\.(csproj|fsproj|vbproj|sln|slnx|gemspec)|^requirements.*\.txt|^(dev|test)[-_]requirements\.txt)$/i;

/** Files that make a folder a project root (the others only qualify a root found by these). */
const ROOT_MARKERS = /^(package\.json|pyproject\.toml|setup\.py|setup\.cfg|Pipfile|manage\.py|requirements.*\.txt|go\.mod|go\.work|Cargo\.toml|pom\.xml|build\.gradle(\.kts)?|settings\.gradle(\.kts)?|Gemfile|.*\.gemspec|composer\.json|.*\.(cs|fs|vb)proj|.*\.slnx?|CMakeLists\.txt|meson\.build|configure(\.ac|\.in)?|GNUmakefile|[Mm]akefile|Dockerfile|Containerfile|(docker-)?compose\.ya?ml)$/;

/** Folder names whose nested projects are samples, fixtures or vendored code, not the project. */
const NOT_A_PROJECT_DIR = new Set([
  'test', 'tests', 'testdata', 'test-data', 'fixtures', '__fixtures__', 'fixture', 'examples', 'example', 'samples', 'sample',
  'docs', 'doc', 'documentation', 'third_party', 'third-party', 'thirdparty', 'external', 'extern', 'deps', 'benchmarks', 'benchmark', 'bench', 'website', 'www',
  'templates', 'template', 'fuzz', 'fuzzing', 'support', 'misc', 'extras', 'utils', 'scaffold', 'demo', 'demos', 'playground', 'contrib', '.github', '.devcontainer', 'ci', 'scripts', 'tools',
]);

/** Detectors in the order their ecosystems are listed. */
const DETECTORS: Detector[] = [detectNode, detectPython, detectGo, detectRust, detectMaven, detectGradle, detectRuby, detectPhp, detectDotnet, detectNative, detectDocker];

const MAX_NESTED_DEPTH = 3;
const MAX_ECOSYSTEMS = 16;

export interface AnalyzeOptions {
  maxFiles?: number;
  maxDepth?: number;
}

/** Collect the manifest folders of the repository in one walk. */
export function findProjectDirs(fs: RepoFs, opts: AnalyzeOptions = {}): { dirs: ProjectDir[]; filesSeen: number; truncated: boolean } {
  const byDir = new Map<string, Set<string>>();
  let filesSeen = 0;
  const maxFiles = opts.maxFiles ?? 200_000;
  for (const path of fs.walk({ maxDepth: opts.maxDepth ?? 6, maxFiles })) {
    filesSeen++;
    const slash = path.lastIndexOf('/');
    const name = slash < 0 ? path : path.slice(slash + 1);
    if (!MANIFEST_NAMES.has(name) && !MANIFEST_PATTERN.test(name)) continue;
    const dir = slash < 0 ? '.' : path.slice(0, slash);
    let set = byDir.get(dir);
    if (!set) byDir.set(dir, (set = new Set()));
    set.add(name);
  }
  const dirs = [...byDir.entries()]
    .filter(([, files]) => [...files].some((f) => ROOT_MARKERS.test(f)))
    .map(([dir, files]) => ({ dir, files }))
    .sort((a, b) => depth(a.dir) - depth(b.dir) || (a.dir < b.dir ? -1 : 1));
  return { dirs, filesSeen, truncated: filesSeen >= maxFiles };
}

function depth(dir: string): number {
  return dir === '.' ? 0 : dir.split('/').length;
}

/** Names like `template-react`, `examples_old`, `test-fixtures`: variants of the same kinds. */
const NOT_A_PROJECT_PREFIX = /^(tests?|fixtures?|examples?|samples?|demos?|templates?|playgrounds?|benchmarks?)[-_.]/i;

/** Whether a nested folder can be a project root of its own. */
function eligibleNested(dir: string): boolean {
  if (dir === '.') return true;
  const parts = dir.split('/');
  return parts.length <= MAX_NESTED_DEPTH && !parts.some((p) => NOT_A_PROJECT_DIR.has(p.toLowerCase()) || NOT_A_PROJECT_PREFIX.test(p) || p.startsWith('.'));
}

/** Whether `dir` lies inside `root` (a repository-relative folder, "." for the whole tree). */
function isInside(dir: string, root: string): boolean {
  return root === '.' ? dir !== '.' : dir.startsWith(`${root}/`);
}

/** Whether a folder's project markers are only pip requirement files. */
function onlyRequirementFiles(files: Set<string>): boolean {
  const markers = [...files].filter((f) => ROOT_MARKERS.test(f));
  return markers.length > 0 && markers.every((f) => /^requirements.*\.txt$|^(dev|test)[-_]requirements\.txt$/i.test(f));
}

/** Ecosystems whose workspaces fold members of the same family. */
function family(name: EcosystemName): string {
  return name === 'java-maven' || name === 'java-gradle' ? name : name === 'cmake' || name === 'meson' || name === 'autotools' || name === 'make' ? 'native' : name;
}

export function analyzeRepository(fs: RepoFs, opts: AnalyzeOptions = {}): RepositoryAnalysis {
  const warnings: string[] = [];
  const warn = (m: string) => { if (!warnings.includes(m)) warnings.push(m); };
  const { dirs, filesSeen, truncated } = findProjectDirs(fs, opts);
  if (truncated) warn(`the repository has more than ${filesSeen} files; only the first ${filesSeen} were examined`);

  const ecosystems: Ecosystem[] = [];
  const candidates: CandidateStep[] = [];
  const folded = new Set<string>(); // `${family}\0${dir}` of workspace members
  const workspaceMembers: string[] = [];
  const workspaceRoots: { family: string; root: string }[] = [];
  let skippedNested = 0;

  for (const dir of dirs) {
    if (!eligibleNested(dir.dir)) continue;
    for (const detect of DETECTORS) {
      let finding;
      try {
        finding = detect({ fs, dir, allDirs: dirs, warn });
      } catch (e) {
        // A detector bug or a pathological manifest must not take the whole plan down.
        warn(`could not analyse ${dir.dir}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      if (!finding) continue;
      const fam = family(finding.ecosystem.name);
      if (folded.has(`${fam}\0${dir.dir}`)) continue;
      // Inside a workspace, a project of the same kind that the workspace does not list is a
      // template, fixture or playground (vite's create-vite templates), not part of the build.
      if (workspaceRoots.some((w) => w.family === fam && isInside(dir.dir, w.root))) continue;
      // A folder of requirement files inside a Python project (`requirements/3.3/requirements-dev.txt`)
      // lists pins for that project's environments; it is not a second project.
      if (fam === 'python' && onlyRequirementFiles(dir.files) && ecosystems.some((e) => e.name === 'python' && isInside(dir.dir, e.root))) continue;
      if (ecosystems.length >= MAX_ECOSYSTEMS) { skippedNested++; continue; }
      ecosystems.push(finding.ecosystem);
      candidates.push(...finding.candidates);
      if (finding.members?.length) workspaceRoots.push({ family: fam, root: dir.dir });
      for (const m of [...(finding.excluded ?? []), ...(finding.includes ?? [])]) folded.add(`${fam}\0${m}`);
      for (const m of finding.members ?? []) {
        folded.add(`${fam}\0${m}`);
        if (!workspaceMembers.includes(m)) workspaceMembers.push(m);
      }
    }
  }
  if (!ecosystems.some((e) => e.root === '.') && ecosystems.length > 3) {
    warn(`no project at the top of the repository, but ${ecosystems.length}${skippedNested ? '+' : ''} in sub-folders (${ecosystems.slice(0, 3).map((e) => e.root).join(', ')}, …); if this is a folder of several projects, plan one of them`);
  }
  if (skippedNested) warn(`${skippedNested} more nested projects were found; only the first ${MAX_ECOSYSTEMS} are planned`);

  // Docker only describes how to package the project; its build step is kept only when nothing
  // else says how to build it.
  const others = ecosystems.filter((e) => e.name !== 'docker');
  const result = others.length ? candidates.filter((c) => !(c.source.file && /(Dockerfile|Containerfile)$/.test(c.source.file) && c.command.startsWith('docker build'))) : candidates;

  const systemHints: SystemHint[] = [];
  for (const eco of ecosystems) {
    const names = [...Object.keys(eco.dependencies ?? {}), ...Object.keys(eco.devDependencies ?? {})];
    const rules = rulesFor(eco.name, names);
    if (!rules.length) continue;
    const apt = new Set<string>();
    for (const r of rules) {
      if (!r.optional && r.kind !== 'browser') r.apt.forEach((p) => apt.add(p));
      systemHints.push({ ecosystem: eco.name, root: eco.root, dependency: r.dependency, apt: r.apt, kind: r.kind ?? 'build', ...(r.why ? { why: r.why } : {}), ...(r.optional ? { optional: true } : {}) });
    }
    eco.systemPackages = [...apt];
  }

  return { ecosystems, candidates: result, warnings, projectDirs: dirs.map((d) => d.dir), workspaceMembers: workspaceMembers.sort(), systemHints, filesSeen };
}
