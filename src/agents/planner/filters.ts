/**
 * Evidence that is real text in the repository but not a step of building this checkout:
 * READMEs telling users how to install the released project (`sudo pacman -S ripgrep`,
 * `cargo binstall ripgrep`, `curl -LO …/releases/download/…`), CI housekeeping (closing issues,
 * publishing, re-checking out), and steps that only print information.
 */
import type { CandidateStep, Ecosystem } from '../../protocol/plan.js';
import type { ProjectIdentity } from '../documentation/project-identity.js';
import { stageOfCommand } from '../documentation/command-facts.js';

/** Installers of released software: system package managers and language "install a tool" commands. */
const SYSTEM_INSTALLERS = new Set(['apt', 'apt-get', 'aptitude', 'dnf', 'yum', 'pacman', 'yay', 'paru', 'zypper', 'emerge', 'pkg', 'pkg_add', 'pkgin', 'pkgman', 'xbps-install', 'apk', 'snap', 'flatpak', 'nix-env', 'nix', 'flox', 'guix', 'brew', 'port', 'choco', 'scoop', 'winget', 'conda', 'mamba', 'micromamba', 'pipx', 'dpkg', 'rpm', 'eopkg', 'swupd']);

function segmentsOf(command: string): string[][] {
  return command
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n|&&|\|\||;/)
    .map((s) => s.trim().split(/\s+/).filter(Boolean))
    .map((w) => {
      while (w.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0]) || w[0] === 'sudo' || w[0] === 'doas' || w[0] === 'env')) w = w.slice(1);
      return w;
    })
    .filter((w) => w.length > 0);
}

function nameMatches(arg: string, identity: ProjectIdentity): boolean {
  const a = arg.toLowerCase().replace(/^['"]|['"]$/g, '');
  const bare = a.replace(/(@|==|>=|=).*$/, '').split('/').pop()!;
  const names = new Set([...identity.packageNames, ...identity.repoNames]);
  for (const n of names) {
    const short = n.split('/').pop()!;
    if (!short) continue;
    if (bare === short || a === n || a.replace(/@.*$/, '') === n) return true;
    // Release archives and distribution packages: ripgrep_14.1.1-1_amd64.deb, ripgrep-14.1.1-x86_64.tar.gz
    if (new RegExp(`^${short.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[-_](\\d|x86|amd64|arm|aarch64)`).test(bare)) return true;
  }
  return false;
}

/** The command installs the published project (not this checkout). */
export function installsReleasedSelf(command: string, identity: ProjectIdentity): boolean {
  if (!identity.packageNames.size && !identity.repoNames.size) return false;
  return segmentsOf(command).some((w) => {
    const [a, b] = w;
    const args = w.slice(1).filter((x) => !x.startsWith('-'));
    if (SYSTEM_INSTALLERS.has(a)) return args.some((x) => nameMatches(x, identity));
    if (a === 'cargo' && (b === 'install' || b === 'binstall')) return !w.includes('--path') && args.slice(1).some((x) => nameMatches(x, identity));
    if ((a === 'go' && b === 'install') || (a === 'gem' && b === 'install') || (a === 'uv' && b === 'tool')) return args.slice(1).some((x) => nameMatches(x, identity) || identity.packageNames.has(x.replace(/@.*$/, '').toLowerCase()));
    if ((a === 'npm' || a === 'pnpm' || a === 'yarn') && (w.includes('-g') || w.includes('--global') || b === 'global')) return args.some((x) => nameMatches(x, identity));
    if ((a === 'curl' || a === 'wget') && args.some((x) => /\/(releases\/download|releases\/latest|tarball|zipball|archive)\//.test(x) && [...identity.repoNames].some((n) => x.toLowerCase().includes(`/${n}/`)))) return true;
    return false;
  });
}

/** Runners that fetch or find a package's command and run it: `npx x`, `pnpm dlx x`, `uvx x`. */
function runnerTool(w: string[]): string | undefined {
  let i: number;
  if (/^(npx|pnpx|bunx|uvx)$/.test(w[0])) i = 1;
  else if (/^(npm|pnpm|yarn|bun)$/.test(w[0]) && /^(exec|dlx|x)$/.test(w[1] ?? '')) i = 2;
  else if (w[0] === 'pipx' && w[1] === 'run') i = 2;
  else return undefined;
  while ((w[i] ?? '').startsWith('-')) i++;
  return w[i]?.replace(/(?<=.)@[^/]*$/, '');
}

/** Shell words a package may be named after without its README examples being about it. */
const SHELL_WORDS = new Set(['cd', 'test', 'echo', 'ls', 'cat', 'cp', 'mv', 'rm', 'mkdir', 'sh', 'bash', 'env', 'time', 'true', 'false', 'which', 'export', 'source', 'set', 'exec', 'make', 'git', 'sudo', 'find', 'grep', 'sed', 'awk']);

/**
 * Every simple command of a line, including those in pipes, substitutions and quoted command
 * strings (`seq 3 | fzf`, `vim $(fzf)`, `export MANPAGER="bat -plman"`).
 */
function simpleCommands(command: string): string[][] {
  return command
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n|&&|\|\|?|;|\$\(|`|[()"']/)
    .map((s) => s.trim().split(/\s+/).filter(Boolean))
    .map((w) => {
      while (w.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0]) || w[0] === 'sudo' || w[0] === 'env' || w[0] === 'time')) w = w.slice(1);
      return w;
    })
    .filter((w) => w.length > 0);
}

/**
 * The command runs the project's own CLI as its users would (`mytool --help`, `npx mytool init`,
 * `seq 3 | fzf`, `uvx mytool`): a usage example, not a step of installing, building or testing
 * the checkout. When the words name a stage of work (`poetry install` in poetry's README,
 * `npx jest` in jest's), the project builds or tests itself with itself: not an example.
 */
export function runsOwnCommand(command: string, identity: ProjectIdentity): string | undefined {
  // Not the folder names: a checkout's folder may be called anything.
  const names = new Set([...(identity.commandNames ?? []), ...[...identity.packageNames].map((n) => n.split('/').pop()!)]);
  for (const n of SHELL_WORDS) names.delete(n);
  if (!names.size) return undefined;
  for (const w of simpleCommands(command)) {
    const first = w[0].toLowerCase();
    const tool = names.has(first) ? first : runnerTool(w)?.toLowerCase();
    if (!tool || SHELL_WORDS.has(tool) || !(names.has(tool) || identity.packageNames.has(tool))) continue;
    const stage = stageOfCommand(w.join(' '));
    if (stage === undefined || stage === 'run') return tool.split('/').pop();
  }
  return undefined;
}

/**
 * The command starts a new project from a template (`npm init vite my-app`, `npx create-react-app
 * app`, `cargo new hello`, `rails new blog`): in a README that is a tutorial for users' own
 * projects, not a step of building this one.
 */
export function scaffoldsProject(command: string): boolean {
  return segmentsOf(command).some((w) => {
    const [a, b, c] = w;
    if (/^(npm|pnpm|yarn|bun)$/.test(a) && (b === 'create' || (b === 'init' && !!c && !c.startsWith('-')))) return true;
    if (/^(npx|pnpx|bunx)$/.test(a) || (/^(pnpm|yarn)$/.test(a) && b === 'dlx')) {
      const tool = w.slice(a === 'npx' || a === 'pnpx' || a === 'bunx' ? 1 : 2).find((x) => !x.startsWith('-')) ?? '';
      return /^(@[\w.-]+\/)?create-[\w.-]+(@\S+)?$/.test(tool);
    }
    if (a === 'cargo' && b === 'new') return true;
    if ((a === 'rails' && b === 'new') || (a === 'django-admin' && b === 'startproject') || (a === 'composer' && b === 'create-project')) return true;
    if (a === 'dotnet' && b === 'new' && !!c && !c.startsWith('-')) return true;
    return false;
  });
}

/** `./gradlew eclipse`, `gradle idea`, `mvn eclipse:eclipse`: project files for an IDE, nothing built or tested. */
export function generatesIdeFiles(command: string): boolean {
  const segs = segmentsOf(command);
  return segs.length > 0 && segs.every((w) => {
    const targets = w.slice(1).filter((x) => !x.startsWith('-'));
    if (/^(gradle|\.\/gradlew|gradlew)$/.test(w[0])) return targets.length > 0 && targets.every((t) => /(^|:)(eclipse|idea|cleanEclipse|cleanIdea|openIdea|eclipseClasspath)$/.test(t));
    if (/^(mvn|\.\/mvnw|mvnw)$/.test(w[0])) return targets.length > 0 && targets.every((t) => /^(eclipse|idea):/.test(t));
    return false;
  });
}

/** CI steps that maintain the project rather than build or test it. */
export function isCiHousekeeping(command: string): boolean {
  return segmentsOf(command).some((w) => {
    const [a, b] = w;
    if (['gh', 'hub', 'twine', 'codecov', 'coveralls', 'goreleaser', 'ghr', 'semantic-release', 'changeset', 'vsce'].includes(a)) return true;
    if (a === 'git' && ['push', 'tag', 'checkout', 'fetch', 'pull', 'commit', 'remote', 'config'].includes(b ?? '')) return true;
    if (['npm', 'pnpm', 'yarn', 'cargo', 'poetry', 'flit', 'hatch', 'uv'].includes(a) && b === 'publish') return true;
    if (a === 'gem' && b === 'push') return true;
    if (a === 'docker' && ['login', 'push', 'logout'].includes(b ?? '')) return true;
    return false;
  });
}

/**
 * The command adds a dependency to a manifest (`composer require x`, `yarn add x`, `cargo add x`,
 * `npm install x`): in a README that is an instruction for users' own projects; run in the
 * checkout it would change the project being built.
 */
export function addsDependency(command: string): boolean {
  return segmentsOf(command).some((w) => {
    const [a, b] = w;
    const args = w.slice(2).filter((x) => !x.startsWith('-'));
    if (a === 'composer' && b === 'require') return args.length > 0;
    if (['yarn', 'pnpm', 'bun', 'cargo', 'poetry', 'uv', 'pdm', 'bundle', 'deno'].includes(a) && b === 'add') return args.length > 0;
    if (a === 'dotnet' && b === 'add') return w[2] === 'package';
    if (a === 'npm' && (b === 'install' || b === 'i' || b === 'add') && !w.includes('-g') && !w.includes('--global')) {
      return args.length > 0 && args.every((x) => !/^[./~]/.test(x) && !x.includes('=')) ;
    }
    return false;
  });
}

/** Workflows that are not about building or testing (docs sites, triage, translations, bots). */
const NON_BUILD_WORKFLOW = /(^|[-_./])(docs?|documentation|label(s|er)?|notify|notifications?|translat\w*|stale|triage|issues?|welcome|greet\w*|lock|bump\w*|dependabot|codeql|scorecards?|sponsors?|pages|deploy-docs|people|contributors|latest-changes|smokeshow|add-to-project|backport|cla|spelling|links?|website|blog)([-_.]|$)/i;

export function isNonBuildWorkflow(file: string | undefined): boolean {
  if (!file || !/^\.github\/workflows\/|^\.gitlab-ci|^\.circleci\//.test(file)) return false;
  const base = file.split('/').pop()!.replace(/\.ya?ml$/, '');
  return NON_BUILD_WORKFLOW.test(base);
}

const INFO = new Set(['echo', 'printf', 'env', 'printenv', 'which', 'type', 'pwd', 'ls', 'cat', 'true', 'date', 'uname', 'whoami', 'df', 'free', 'nproc', 'lscpu']);

/** An output redirection into a file (`>`/`>>`, not `2>&1` or `>/dev/null`). */
const WRITES_FILE = /(?:^|[^2&>])>>?\s*(?!&|\/dev\/null\b)[^\s|;&]/;

/** Every part of the command only prints information (`echo`, `node -v`, `cargo --version`). */
export function isInformational(command: string): boolean {
  // `echo x > file` writes a file (a config, a .env, or somewhere it must not): not just printing.
  if (WRITES_FILE.test(command)) return false;
  const segs = segmentsOf(command);
  return segs.length > 0 && segs.every((w) => INFO.has(w[0]) || (w.length === 2 && /^(--version|-v|-V|version)$/.test(w[1])) || (w.length === 3 && w[1] === '-c' && /version/.test(w[2])));
}

const INTERPRETERS = new Set(['node', 'nodejs', 'ruby', 'python', 'python3', 'php', 'perl', 'deno', 'bun', 'tsx', 'ts-node', 'bash', 'sh', 'lua', 'Rscript']);
const SCRIPT_FILE = /^[\w./-]+\.(m?js|cjs|ts|rb|py|php|pl|sh|lua|R)$/;

/**
 * The command runs a script file that the repository does not contain (`node app.js`,
 * `ruby myapp.rb` in a README): an example for users to write, not a step of this checkout.
 */
export function runsMissingScript(command: string, exists: (path: string) => boolean, cwd = '.'): boolean {
  const segs = segmentsOf(command);
  if (!segs.length) return false;
  const w = segs[0];
  let i = 0;
  if (w[0] === 'bundle' && w[1] === 'exec') i = 2;
  if (!INTERPRETERS.has(w[i])) return false;
  const file = w.slice(i + 1).find((x) => !x.startsWith('-'));
  if (!file || !SCRIPT_FILE.test(file)) return false;
  return !exists(cwd === '.' ? file : `${cwd}/${file}`);
}

/** Package managers of Linux distributions other than Debian/Ubuntu (the sandbox's family). */
const OTHER_DISTRO_PM = new Set(['dnf', 'yum', 'microdnf', 'rpm', 'pacman', 'yay', 'paru', 'zypper', 'emerge', 'apk', 'xbps-install', 'eopkg', 'swupd', 'pkg', 'pkg_add', 'pkgin', 'pkgman', 'nix-env', 'subscription-manager', 'guix', 'flox', 'slackpkg', 'urpmi']);

/** Which other system the command is written for, when it is a distribution-specific one. */
export function otherDistribution(command: string): string | undefined {
  const w = segmentsOf(command)[0];
  if (!w) return undefined;
  if (OTHER_DISTRO_PM.has(w[0])) return `${w[0]} is the package manager of another system than Debian/Ubuntu`;
  return undefined;
}

/** `git clone` in the docs: the repository is already checked out. */
export function clonesRepository(command: string): boolean {
  return segmentsOf(command).some((w) => w[0] === 'git' && w[1] === 'clone');
}

/** Commands that send coverage reports to a hosted service (Coveralls, Codecov, Code Climate, Codacy). */
const COVERAGE_UPLOADERS = /^(coveralls|coveralls-lcov|codecov|codecovcli|codacy-coverage|codacy-coverage-reporter|cc-test-reporter|coveralls\.js|goveralls|cargo-coveralls|php-coveralls)$/;

function uploadsIn(words: string[]): boolean {
  const tool = (w: string) => (w ?? '').replace(/^(\.\/)?node_modules\/\.bin\//, '').replace(/^vendor\/bin\//, '').split('/').pop()!.replace(/@[^/]*$/, '');
  const [a, b, c] = words;
  if (COVERAGE_UPLOADERS.test(tool(a))) return true;
  if (/^(npx|pnpx|bunx|uvx)$/.test(a) || ((a === 'pnpm' || a === 'yarn') && b === 'dlx')) return COVERAGE_UPLOADERS.test(tool(words.slice(a === 'pnpm' || a === 'yarn' ? 2 : 1).find((x) => !x.startsWith('-')) ?? ''));
  if (/^python[0-9.]*$/.test(a) && b === '-m') return /^(coveralls|codecov)$/.test(c ?? '');
  if (a === 'cargo' && b === 'coveralls') return true;
  return (a === 'curl' || a === 'wget' || a === 'bash') && words.some((x) => /codecov\.io|coveralls\.io|codeclimate\.com/.test(x));
}

/** Commands that only turn coverage data into a report for an uploader (`nyc report --reporter=text-lcov`). */
function formatsCoverage(words: string[]): boolean {
  const [a, b] = words;
  return /^(nyc|c8|istanbul)$/.test(a) && b === 'report' || a === 'coverage' && /^(xml|lcov|json)$/.test(b ?? '') || (/^(npx)$/.test(a) && /^(nyc|c8)$/.test(b ?? '') && words.includes('report'));
}

/**
 * The command uploads coverage to a hosted service (`cat coverage/lcov.info | coveralls`, `codecov`,
 * `nyc report --reporter=text-lcov | coveralls`, or an npm script doing that): every part of it
 * uploads or only prepares the upload. Such steps need a service token and the network, and test
 * nothing; a line that also tests (`npm test && codecov`) is kept.
 */
export function uploadsCoverage(command: string, scriptBody?: (command: string) => string | undefined): boolean {
  const body = scriptBody?.(command);
  if (body !== undefined && body !== command) return uploadsCoverage(body, scriptBody);
  const parts = command.replace(/\\\r?\n/g, ' ').split(/\r?\n|&&|\|\||;/).map((p) => p.trim()).filter(Boolean);
  let uploads = false;
  const ok = parts.length > 0 && parts.every((part) => {
    const piped = part.split(/\|(?!\|)/).map((x) => x.trim().split(/\s+/).filter(Boolean)).map((w) => {
      while (w.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0]) || w[0] === 'env')) w = w.slice(1);
      return w;
    }).filter((w) => w.length);
    if (piped.some(uploadsIn)) { uploads = true; return true; }
    return piped.every((w) => formatsCoverage(w) || (w[0] === 'cat' && w.slice(1).every((x) => /(lcov|coverage|cobertura|clover)/i.test(x))));
  });
  return ok && uploads;
}

/** The body of a package-manager script the command runs (`npm run test:coverage` → its package.json line). */
export function packageScriptBody(ecosystems: Ecosystem[]): (command: string, cwd?: string) => string | undefined {
  return (command, cwd = '.') => {
    const m = /^\s*(?:npm|pnpm|yarn|bun)(?:\s+run(?:-script)?)?\s+([\w:.-]+)\s*$/.exec(command);
    if (!m) return undefined;
    return ecosystems.find((e) => e.name === 'node' && e.root === cwd)?.scripts?.[m[1]];
  };
}

export interface FilterResult {
  kept: CandidateStep[];
  left: { candidate: CandidateStep; why: string }[];
}

export function filterEvidence(candidates: CandidateStep[], identity: ProjectIdentity, exists: (path: string) => boolean = () => true, ecosystems: Ecosystem[] = []): FilterResult {
  const scriptBody = packageScriptBody(ecosystems);
  const kept: CandidateStep[] = [];
  const left: FilterResult['left'] = [];
  for (const c of candidates) {
    let why: string | undefined;
    if (c.source.kind === 'docs' && installsReleasedSelf(c.command, identity)) why = 'installs the released project instead of building this checkout';
    else if (c.source.kind === 'ci' && isCiHousekeeping(c.command)) why = 'CI housekeeping (publishing, issues, checkout), not building or testing';
    else if (c.source.kind === 'ci' && isNonBuildWorkflow(c.source.file)) why = 'come from CI workflows about docs, triage or bots, not building or testing';
    else if (c.source.kind === 'ci' && /^\s*(exit\s+[1-9]\d*|false)\s*$/.test(c.command)) why = 'only signal a CI failure';
    else if (c.source.kind === 'docs' && clonesRepository(c.command)) why = 'clone a repository (the checkout already exists)';
    else if (c.source.kind === 'docs' && addsDependency(c.command)) why = "add a dependency to a manifest (instructions for users' own projects)";
    else if (isInformational(c.command)) why = 'only prints information';
    else if (uploadsCoverage(c.command, (x) => scriptBody(x, c.cwd))) why = 'upload coverage reports to a hosted service (they need its token and the network), not testing';
    else if (generatesIdeFiles(c.command)) why = 'only generate IDE project files';
    else if (c.source.kind === 'docs' && scaffoldsProject(c.command)) why = "start a new project from a template (tutorials for users' own projects)";
    else if (c.source.kind === 'docs' && runsMissingScript(c.command, exists, c.cwd)) why = 'run a script the repository does not contain (examples for users)';
    else if (c.source.kind === 'docs' && runsOwnCommand(c.command, identity)) why = `are usage examples of the project's own command (${runsOwnCommand(c.command, identity)}), not steps of building it`;
    if (why) left.push({ candidate: c, why });
    else kept.push(c);
  }
  return { kept, left };
}
