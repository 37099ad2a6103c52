/**
 * GitHub Actions workflows: `run:` steps (scripts kept whole, with working-directory, env and
 * shell), setup-* action versions as toolchains, job services, the matrix reduced to one Linux
 * entry, and release/deploy work and non-Linux conditions left out.
 */
import type { RepoFs } from '../../repo/repo-fs.js';
import type { Platform, Provenance } from '../../protocol/plan.js';
import { isReleaseCommand } from '../documentation/command-facts.js';
import { parseYamlTree, get, str, strList, strRecord, toPlain, entry, loadYamlFile, type YNode, YamlFileError } from './yaml-tree.js';
import { chooseMatrixEntry, type MatrixEntry } from './matrix.js';
import { conditionHolds, RUNNER_WORKSPACE_DIR, substitute, UNKNOWN, type ExprContext } from './expressions.js';
import { parseShell } from '../command-validation/parser.js';
import { commandWords, splitScript } from '../documentation/command-facts.js';
import { candidate, cleanScript, CI_CONFIDENCE, decideStage, emptyFindings, isCleanupOnly, isInformational, isReleaseName, normaliseDir, platformOfLabel, usesRunnerPlumbing, type CiFindings, type CiOptions } from './common.js';
import { serviceOfImage, toolchainOfImage } from './images.js';
import { versionFromFile } from './version-files.js';

export const MAX_WORKFLOW_FILES = 40;
const WORKFLOW_LIMIT = 256 * 1024;

export function workflowFiles(fs: RepoFs): string[] {
  return fs.list('.github/workflows')
    .filter((e) => (e.file || e.symlink) && /\.ya?ml$/i.test(e.name))
    .map((e) => `.github/workflows/${e.name}`)
    .sort()
    .slice(0, MAX_WORKFLOW_FILES);
}

export function extractGithubActions(fs: RepoFs, opts: CiOptions = {}): CiFindings {
  const out = emptyFindings();
  for (const file of workflowFiles(fs)) {
    const r = fs.read(file, WORKFLOW_LIMIT);
    if (!r) {
      out.warnings.push(`${file} could not be read (binary, or a link leading outside the repository); skipped`);
      continue;
    }
    if (r.truncated) out.warnings.push(`${file} is larger than ${WORKFLOW_LIMIT} bytes; skipped`);
    if (r.truncated) continue;
    let tree: YNode | undefined;
    try {
      tree = parseYamlTree(r.text);
    } catch (e) {
      if (!(e instanceof YamlFileError)) throw e;
      out.warnings.push(`${file} is not valid YAML (${e.message}); skipped`);
      continue;
    }
    if (tree?.kind !== 'map') {
      if (tree) out.warnings.push(`${file} is not a workflow (expected a mapping at the top); skipped`);
      continue;
    }
    workflow(fs, file, tree, out, opts);
  }
  return out;
}

/** Triggers of workflows that build or test the code (the others triage issues, release, deploy…). */
const CODE_TRIGGERS = new Set(['push', 'pull_request', 'pull_request_target', 'merge_group', 'workflow_call', 'schedule', 'workflow_dispatch']);

/**
 * Workflows that do not show how to build and test: those run only on releases or tags, or only
 * on issue/label/comment events (triage bots).
 */
function notAboutCode(on: YNode | undefined): boolean {
  if (!on) return false;
  const triggers = on.kind === 'map' ? on.entries.map((e) => e.key) : strList(on).map((s) => s.value);
  if (triggers.length === 0) return false;
  const push = get(on, 'push');
  const tagOnlyPush = push?.kind === 'map' && !!get(push, 'tags') && !get(push, 'branches') && !get(push, 'paths');
  const codeTriggers = triggers.filter((t) => CODE_TRIGGERS.has(t) && !(t === 'push' && tagOnlyPush));
  if (codeTriggers.length === 0) return true;
  // Manual-only next to a release trigger is a release workflow.
  return codeTriggers.every((t) => t === 'workflow_dispatch') && triggers.some((t) => t === 'release' || (t === 'push' && tagOnlyPush));
}

/**
 * The events whose runs we reproduce: push/pull_request when the workflow has them, else its other
 * code triggers (a nightly-only workflow runs on `schedule`); a reusable workflow's is unknown.
 */
function reproducedEvents(on: YNode | undefined): readonly string[] | undefined {
  if (!on) return undefined;
  const triggers = on.kind === 'map' ? on.entries.map((e) => e.key) : strList(on).map((s) => s.value);
  const main = triggers.filter((t) => ['push', 'pull_request', 'pull_request_target', 'merge_group'].includes(t));
  if (main.length) return main;
  return triggers.includes('workflow_call') ? [] : triggers.filter((t) => CODE_TRIGGERS.has(t));
}

function workflow(fs: RepoFs, file: string, wf: YNode, out: CiFindings, opts: CiOptions): void {
  if (notAboutCode(get(wf, 'on') ?? get(wf, 'true'))) return;
  const jobs = get(wf, 'jobs');
  if (jobs?.kind !== 'map') return;
  const wfEnv = strRecord(get(wf, 'env'));
  const events = reproducedEvents(get(wf, 'on') ?? get(wf, 'true'));
  const wfDefaults = get(get(wf, 'defaults'), 'run');

  for (const { key: jobId, value: job } of jobs.entries) {
    if (job.kind !== 'map') continue;
    const jobName = str(get(job, 'name')) ?? jobId;
    if (isReleaseName(jobId.replace(/[-_]/g, ' ')) || isReleaseName(jobName)) continue;
    if (get(job, 'uses')) continue; // reusable workflow call: its steps live elsewhere

    const matrixNode = get(get(job, 'strategy'), 'matrix');
    const axisLanguages = matrixToolchains(get(job, 'steps'));
    const picked = pickMatrix(matrixNode, file, jobId, out.warnings, preferInstalled(axisLanguages, opts));
    const runsOnText = strList(get(job, 'runs-on')).map((s) => s.value).join(' ');
    // The platform the job runs on in CI. Off Linux, its portable steps are still the best evidence
    // of how to build and test: they are reproduced on Linux, with the matrix's runner values read
    // as a Linux runner so that `matrix.os == 'macos-latest'` conditions are false here.
    const jobPlatform = platformOfLabel(substitute(runsOnText, { matrix: picked, env: {} }).text);
    const matrix = jobPlatform === 'windows' || jobPlatform === 'macos' ? onLinuxRunner(picked) : picked;
    const ctx: ExprContext = { matrix, matrixKnown: matrixIsStatic(matrixNode), env: {}, events };
    const axisValues = matrixValues(matrixNode);
    const env = literalEnv({ ...wfEnv, ...strRecord(get(job, 'env')) }, ctx);
    ctx.env = env.values;

    const jobIf = str(get(job, 'if'));
    const jobHolds = jobIf === undefined ? true : conditionHolds(jobIf, ctx);
    if (jobIf !== undefined && skipFor(jobIf, jobHolds)) continue;
    const jobPenalty = jobHolds === UNKNOWN ? UNDECIDED_CONDITION_PENALTY : 0;

    const container = get(job, 'container');
    const containerImage = str(container) ?? str(get(container, 'image'));
    const prov = (line: number, step?: string): Provenance => ({ kind: 'ci', file, line, detail: `github-actions:${jobId}${step ? `/${step}` : ''}` });
    if (containerImage) {
      const tc = toolchainOfImage(substitute(containerImage, ctx).text);
      if (tc) out.toolchains.push({ ...tc, source: prov(get(job, 'container')!.line) });
    }
    const services = get(job, 'services');
    const jobServices: string[] = [];
    if (services?.kind === 'map') {
      for (const s of services.entries) {
        const image = str(s.value) ?? str(get(s.value, 'image')) ?? '';
        const name = serviceOfImage(substitute(image, ctx).text) ?? s.key.toLowerCase();
        out.services.push({ name, source: prov(s.keyLine, `services/${s.key}`) });
        jobServices.push(name);
      }
    }
    const needs = strList(get(job, 'needs')).map((n) => `${file}#${n.value}`);
    out.jobs.push({ key: `${file}#${jobId}`, ...(jobPlatform ? { runner: jobPlatform } : {}), services: jobServices, needs });

    const jobDefaults = get(get(job, 'defaults'), 'run');
    const steps = get(job, 'steps');
    if (steps?.kind !== 'seq') continue;
    // Code scanning jobs build only to feed the analyser.
    if (steps.items.some((st) => /^github\/codeql-action\//.test(str(get(st, 'uses')) ?? ''))) continue;
    const needsArtifacts = steps.items.some((st) => /^actions\/download-artifact/.test(str(get(st, 'uses')) ?? ''));
    steps.items.forEach((step, index) => {
      if (step.kind !== 'map') return;
      const stepName = str(get(step, 'name'));
      const label = stepName ?? str(get(step, 'id')) ?? str(get(step, 'uses'))?.split('@')[0] ?? `step ${index + 1}`;
      const stepIf = str(get(step, 'if'));
      const holds = stepIf === undefined ? true : conditionHolds(stepIf, ctx);
      if (stepIf !== undefined && skipFor(stepIf, holds)) return;
      const penalty = jobPenalty + (holds === UNKNOWN ? UNDECIDED_CONDITION_PENALTY : 0);
      const uses = str(get(step, 'uses'));
      if (uses) {
        if (uses.startsWith('./')) {
          compositeAction(fs, uses, get(step, 'with'), { file, jobId, jobName, label, stepName, ctx, env, jobPlatform, jobDefaults, wfDefaults, needsArtifacts, penalty }, out);
          return;
        }
        setupAction(fs, uses, get(step, 'with'), ctx, prov(entry(step, 'uses')!.keyLine, label), out, axisValues);
        return;
      }
      runStep(step, { file, jobId, jobName, label, stepName, ctx, env, jobPlatform, jobDefaults, wfDefaults, needsArtifacts, penalty }, out);
    });
  }
}

interface StepScope {
  file: string;
  jobId: string;
  jobName: string;
  label: string;
  stepName: string | undefined;
  ctx: ExprContext;
  env: EnvValues;
  jobPlatform: Platform | undefined;
  jobDefaults: YNode | undefined;
  wfDefaults: YNode | undefined;
  needsArtifacts: boolean;
  /** Confidence lost to `if:` conditions that could not be decided here. */
  penalty: number;
}

/** `${{ steps.<id>.outputs.<name> }}`, `${{ needs.<job>.outputs.<name> }}`: values CI computes in earlier steps or jobs. */
const CI_OUTPUT = /^\$\{\{\s*(steps|needs|jobs)\.[\w-]+\.(outputs|result|outcome|conclusion)\b/;

/** A step or job whose `if:` cannot be decided here is weaker evidence. */
const UNDECIDED_CONDITION_PENALTY = 0.1;
/** A portable step of a Windows/macOS job, reproduced on Linux. */
const OTHER_RUNNER_PENALTY = 0.15;
/** `runner.workspace` (outside the checkout) replaced by a folder inside it. */
const RUNNER_WORKSPACE_PENALTY = 0.1;

/** Whether a step or job is left out: its condition is false, or undecided and about releases. */
function skipFor(cond: string, holds: boolean | typeof UNKNOWN): boolean {
  return holds === false || (holds === UNKNOWN && releaseCondition(cond));
}

/** The matrix entry with runner labels of other platforms read as a Linux runner (one level deep). */
function onLinuxRunner(entry: MatrixEntry): MatrixEntry {
  const swap = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const p = platformOfLabel(v);
      return p === 'windows' || p === 'macos' ? 'ubuntu-latest' : v;
    }
    return v;
  };
  const out: MatrixEntry = {};
  for (const [k, v] of Object.entries(entry)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([kk, vv]) => [kk, swap(vv)]))
      : swap(v);
  }
  return out;
}

const WINDOWS_TEXT = /\.(exe|bat|cmd|ps1|psm1|msi)\b|\$env:|%[A-Za-z_]\w*%|(^|\s)[A-Za-z]:\\|(^|\s)\.\\|\b(Get|Set|New|Remove|Write|Invoke|Test|Copy|Move|Add|Import|Expand|Start)-[A-Z][A-Za-z]+/;
const WINDOWS_TOOLS = /^(choco|winget|scoop|msbuild|vcvarsall|vcvars64|setx|reg|cmd|powershell|pwsh|devenv|signtool|iscc|makensis|nuget|vswhere|wmic|taskkill|robocopy|xcopy|del|copy|ren|cls|mklink|attrib|icacls|call)$/i;
const MACOS_TOOLS = /^(brew|port|xcodebuild|xcrun|xcode-select|hdiutil|codesign|notarytool|security|sw_vers|launchctl|osascript|defaults|pkgutil|installer|ditto|lipo|otool|install_name_tool|spctl|softwareupdate|sysctl|diskutil)$/;

/** The platform a script clearly belongs to: Windows or macOS tools, paths and PowerShell syntax. */
function platformOfScript(script: string): Platform | undefined {
  if (WINDOWS_TEXT.test(script)) return 'windows';
  for (const part of splitScript(script)) {
    const words = commandWords(part);
    const tool = (words[0] === 'sudo' ? words[1] : words[0]) ?? '';
    if (WINDOWS_TOOLS.test(tool)) return 'windows';
    if (MACOS_TOOLS.test(tool)) return 'macos';
  }
  return undefined;
}

/**
 * Where a `run:` step of a job on `jobPlatform` belongs: 'windows'/'macos' for steps tied to that
 * platform (pwsh/cmd shells, brew, choco, .exe…), undefined for steps a Linux shell runs as they
 * are (`shell: bash`, or a default shell running a POSIX-portable script such as `npm test`).
 */
function stepPlatform(script: string, shell: string | undefined, jobPlatform: Platform | undefined): Platform | undefined {
  if (shell && /^(pwsh|powershell|cmd|msys2|wsl|cygwin)/i.test(shell)) return 'windows';
  if (jobPlatform !== 'windows' && jobPlatform !== 'macos') return undefined;
  const own = platformOfScript(script);
  if (own) return own;
  // Windows runs a default-shell script in PowerShell: only what a POSIX shell also parses is portable.
  if (!shell && jobPlatform === 'windows' && !parseShell(script).ok) return 'windows';
  return undefined;
}

/** One `run:` step as a candidate (or nothing, when it releases, only prints or only cleans up). */
function runStep(step: YNode, scope: StepScope, out: CiFindings): void {
  const { file, jobId, jobName, label, stepName, ctx, env, jobPlatform, jobDefaults, wfDefaults, needsArtifacts, penalty } = scope;
  const runEntry = entry(step, 'run');
  const run = str(runEntry?.value);
  if (!runEntry || run === undefined) return;
  if (isReleaseName(stepName)) return;
  const shell = str(get(step, 'shell')) ?? str(get(jobDefaults, 'shell')) ?? str(get(wfDefaults, 'shell'));
  if (shell && /^python/.test(shell)) return; // a Python program, not a shell command
  const wd = str(get(step, 'working-directory')) ?? str(get(jobDefaults, 'working-directory')) ?? str(get(wfDefaults, 'working-directory'));
  const wdSub = wd === undefined ? undefined : substitute(wd, ctx);
  // A folder computed at run time stays unknown (asked for below), never a literal `${{ }}` path.
  const cwd = wdSub?.unresolved.length ? undefined : normaliseDir(wdSub?.text);
  // `${{ github.workspace }}` in the script is the checkout seen from the step's folder.
  const fromCwd = cwd ? cwd.split('/').map(() => '..').join('/') : '.';
  const sub = substitute(cleanScript(run), { ...ctx, fromCwd });
  const vars = workspaceVars(sub.text, fromCwd);
  // An expression that was empty (`${{ matrix.extra-args || '' }}`) leaves no trailing blank.
  sub.text = vars.text.split('\n').map((l) => l.trimEnd()).join('\n').trim();
  sub.runnerWorkspace ||= vars.runnerWorkspace;
  if (!sub.text || isReleaseCommand(sub.text) || isInformational(sub.text) || isCleanupOnly(sub.text)) return;
  const stepEnv = literalEnv(strRecord(get(step, 'env')), ctx);
  const platform = stepPlatform(sub.text, shell, jobPlatform);
  let confidence = CI_CONFIDENCE.githubActions - penalty;
  if (!platform && jobPlatform && jobPlatform !== 'linux') confidence -= OTHER_RUNNER_PENALTY;
  if (sub.runnerWorkspace || wdSub?.runnerWorkspace) confidence -= RUNNER_WORKSPACE_PENALTY;
  if (sub.unresolved.length || wdSub?.unresolved.length) confidence -= 0.2;
  if (usesRunnerPlumbing(sub.text)) confidence -= 0.3;
  if (needsArtifacts) confidence -= 0.2; // works on another job's output
  out.candidates.push(candidate({
    command: sub.text,
    stage: decideStage(sub.text, stepName, 'build'),
    file,
    line: runEntry.keyLine,
    detail: `github-actions:${jobId}/${label}`,
    confidence,
    cwd,
    env: { ...env.values, ...stepEnv.values },
    platform,
    // Workflow/job-level secrets matter to a step only when its script uses the variable.
    // Outputs of other steps and jobs are computed by CI as it runs: unknown here, but nothing a
    // person supplies (the lower confidence above says the command is incomplete).
    needsInput: [...secretsUsedBy(env, sub.text), ...stepEnv.secrets.map((x) => x.secret), ...sub.secrets, ...[...sub.unresolved, ...(wdSub?.unresolved ?? [])].filter((u) => !CI_OUTPUT.test(u))],
    context: jobName,
  }));
}

/**
 * `$GITHUB_WORKSPACE` and `$RUNNER_WORKSPACE` outside single quotes, as the same folders as their
 * `${{ }}` forms: the runner sets them, a plan's steps do not.
 */
function workspaceVars(script: string, fromCwd: string): { text: string; runnerWorkspace: boolean } {
  let runnerWorkspace = false;
  const runnerDir = fromCwd === '.' ? RUNNER_WORKSPACE_DIR : `${fromCwd}/${RUNNER_WORKSPACE_DIR}`;
  // Split into single-quoted runs (odd indexes) and the rest; only the rest is expanded by the shell.
  const expand = (chunk: string) => chunk.replace(/\$(?:\{(GITHUB_WORKSPACE|RUNNER_WORKSPACE)\}|(GITHUB_WORKSPACE|RUNNER_WORKSPACE)(?!\w))/g, (_m, braced?: string, bare?: string) => {
    if ((braced ?? bare) === 'GITHUB_WORKSPACE') return fromCwd;
    runnerWorkspace = true;
    return runnerDir;
  });
  const text = script.split(/('[^']*')/).map((chunk, i) => (i % 2 ? chunk : expand(chunk))).join('');
  return { text, runnerWorkspace };
}

/**
 * A composite action in the repository (`uses: ./.github/actions/setup`): its `run` steps, with
 * `inputs.*` taken from the caller's `with:` or the input defaults.
 */
function compositeAction(fs: RepoFs, uses: string, withNode: YNode | undefined, scope: StepScope, out: CiFindings, depth = 0): void {
  if (depth > 3) return;
  const dir = uses.replace(/^\.\/+/, '').replace(/\/+$/, '');
  const file = [`${dir}/action.yml`, `${dir}/action.yaml`].find((f) => fs.isFile(f));
  if (!file) return;
  const action = loadYamlFile(fs, file, out.warnings);
  const runs = get(action, 'runs');
  if (str(get(runs, 'using')) !== 'composite') return;
  const inputs: Record<string, string> = {};
  const declared = get(action, 'inputs');
  if (declared?.kind === 'map') for (const e of declared.entries) { const d = str(get(e.value, 'default')); if (d !== undefined) inputs[e.key] = d; }
  for (const [k, v] of Object.entries(strRecord(withNode))) inputs[k] = substitute(v, scope.ctx).text;
  const ctx: ExprContext = { ...scope.ctx, inputs };
  const steps = get(runs, 'steps');
  if (steps?.kind !== 'seq') return;
  steps.items.forEach((st, i) => {
    const cond = str(get(st, 'if'));
    const holds = cond === undefined ? true : conditionHolds(cond, ctx);
    if (cond !== undefined && skipFor(cond, holds)) return;
    const penalty = scope.penalty + (holds === UNKNOWN ? UNDECIDED_CONDITION_PENALTY : 0);
    const name = str(get(st, 'name'));
    const label = `${scope.label}>${name ?? `step ${i + 1}`}`;
    const inner = str(get(st, 'uses'));
    if (inner?.startsWith('./')) compositeAction(fs, inner, get(st, 'with'), { ...scope, ctx, label, penalty }, out, depth + 1);
    else if (inner) setupAction(fs, inner, get(st, 'with'), ctx, { kind: 'ci', file, line: entry(st, 'uses')!.keyLine, detail: `github-actions:${scope.jobId}/${label}` }, out);
    else runStep(st, { ...scope, file, ctx, stepName: name ?? scope.stepName, label, penalty }, out);
  });
}

/** Conditions that only hold for releases (tags, release events). */
function releaseCondition(cond: string): boolean {
  return /refs\/tags|event_name\s*==\s*'(release|workflow_dispatch)'|github\.event\.release|startsWith\(\s*github\.ref\s*,\s*'refs\/tags/.test(cond);
}

/** The matrix (or its absence) is written out in the file: no axis or entry is computed at run time. */
function matrixIsStatic(node: YNode | undefined): boolean {
  if (!node) return true;
  if (node.kind !== 'map') return false;
  return !JSON.stringify(toPlain(node)).includes('${{');
}

function pickMatrix(node: YNode | undefined, file: string, jobId: string, warnings: string[], prefer?: (entry: MatrixEntry) => number): MatrixEntry {
  if (!node) return {};
  if (node.kind !== 'map') {
    warnings.push(`${file}: the matrix of job "${jobId}" is computed at run time; its values are unknown here`);
    return {};
  }
  const axes: Record<string, unknown[]> = {};
  let include: MatrixEntry[] = [];
  let exclude: MatrixEntry[] = [];
  for (const e of node.entries) {
    const v = toPlain(e.value);
    if (e.key === 'include') include = Array.isArray(v) ? v.filter((x): x is MatrixEntry => !!x && typeof x === 'object' && !Array.isArray(x)) : [];
    else if (e.key === 'exclude') exclude = Array.isArray(v) ? v.filter((x): x is MatrixEntry => !!x && typeof x === 'object' && !Array.isArray(x)) : [];
    else if (Array.isArray(v)) axes[e.key] = v;
    else if (typeof v === 'string' && v.includes('${{')) warnings.push(`${file}: matrix axis "${e.key}" of job "${jobId}" is computed at run time; its values are unknown here`);
    else axes[e.key] = [v];
  }
  return chooseMatrixEntry(axes, include, exclude, prefer) ?? {};
}

/** The matrix key a value is exactly (`${{ matrix.java }}` → `java`). */
function matrixAxisOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : /^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$/.exec(value.trim())?.[1];
}

/** Oldest first: "3.9" before "3.10". */
function byVersion(a: string, b: string): number {
  const pa = a.split(/[^\d]+/).filter(Boolean).map(Number);
  const pb = b.split(/[^\d]+/).filter(Boolean).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? -1) !== (pb[i] ?? -1)) return (pa[i] ?? -1) - (pb[i] ?? -1);
  return a.localeCompare(b);
}

/** Matrix keys that set a toolchain's version through a setup action (`java-version: ${{ matrix.java }}` → java). */
function matrixToolchains(steps: YNode | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (steps?.kind !== 'seq') return out;
  for (const st of steps.items) {
    const uses = str(get(st, 'uses'))?.split('@')[0].toLowerCase();
    if (!uses) continue;
    for (const [re, language, keys] of SETUP_ACTIONS) {
      if (!re.test(uses)) continue;
      const axis = matrixAxisOf(keys.map((k) => str(get(get(st, 'with'), k))).find((v) => v !== undefined));
      if (axis) out.set(axis, language);
    }
  }
  return out;
}

/** Every value each axis of a matrix takes, includes too, as text. */
function matrixValues(node: YNode | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (node?.kind !== 'map') return out;
  const add = (k: string, v: unknown) => {
    if (v === null || v === undefined || typeof v === 'object') return;
    const t = String(v);
    if (!(out[k] ??= []).includes(t)) out[k].push(t);
  };
  for (const e of node.entries) {
    const v = toPlain(e.value);
    if (e.key === 'include' && Array.isArray(v)) for (const inc of v) if (inc && typeof inc === 'object') for (const [k, x] of Object.entries(inc)) add(k, x);
    if (e.key !== 'include' && e.key !== 'exclude') (Array.isArray(v) ? v : [v]).forEach((x) => add(e.key, x));
  }
  return out;
}

/**
 * A bonus for matrix entries whose toolchain versions are installed here: of `java: [8, 17, 25]`
 * the plan runs the one this machine has. Smaller than the bonus for a Linux runner.
 */
function preferInstalled(axisLanguages: Map<string, string>, opts: CiOptions): ((entry: MatrixEntry) => number) | undefined {
  const here = opts.satisfiedHere;
  if (!here || axisLanguages.size === 0) return undefined;
  return (entry) => {
    let bonus = 0;
    for (const [axis, language] of axisLanguages) {
      const v = entry[axis];
      if ((typeof v === 'string' || typeof v === 'number') && here(language, String(v)) === true) bonus += 50;
    }
    return bonus;
  };
}

interface EnvValues {
  values: Record<string, string>;
  /** Variables whose value is a secret: the secret a person must supply. */
  secrets: { name: string; secret: string }[];
}

function secretsUsedBy(env: EnvValues, script: string): string[] {
  const escape = (n: string) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); // names come from untrusted YAML
  return env.secrets.filter((x) => new RegExp(`\\$\\{?${escape(x.name)}\\b`).test(script)).map((x) => x.secret);
}

/** Environment values that are literal after substitution; secrets become inputs a person supplies. */
function literalEnv(raw: Record<string, string>, ctx: ExprContext): EnvValues {
  const values: Record<string, string> = {};
  const secrets: EnvValues['secrets'] = [];
  for (const [k, v] of Object.entries(raw)) {
    const sub = substitute(v, ctx);
    for (const secret of sub.secrets) secrets.push({ name: k, secret });
    if (sub.secrets.length || sub.unresolved.length) continue;
    values[k] = sub.text;
  }
  return { values, secrets };
}

/** setup-* actions (and a few others) whose inputs say which toolchain version CI uses. */
const SETUP_ACTIONS: [RegExp, string, string[], string?][] = [
  [/^actions\/setup-node$/, 'node', ['node-version'], 'node-version-file'],
  [/^actions\/setup-python$/, 'python', ['python-version'], 'python-version-file'],
  [/^actions\/setup-java$/, 'java', ['java-version'], 'java-version-file'],
  [/^actions\/setup-go$/, 'go', ['go-version'], 'go-version-file'],
  [/^actions\/setup-dotnet$/, 'dotnet', ['dotnet-version'], 'global-json-file'],
  [/^ruby\/setup-ruby$/, 'ruby', ['ruby-version']],
  [/^shivammathur\/setup-php$/, 'php', ['php-version']],
  [/^(dtolnay\/rust-toolchain|actions-rs\/toolchain|actions-rust-lang\/setup-rust-toolchain)$/, 'rust', ['toolchain']],
  [/^pnpm\/(action-)?setup$/, 'pnpm', ['version']],
  [/^oven-sh\/setup-bun$/, 'bun', ['bun-version']],
  [/^denoland\/setup-deno$/, 'deno', ['deno-version', 'deno_version']],
  [/^astral-sh\/setup-uv$/, 'uv', ['version']],
  [/^(conda-incubator\/setup-miniconda|mamba-org\/setup-micromamba)$/, 'python', ['python-version']],
  [/^erlef\/setup-beam$/, 'elixir', ['elixir-version']],
  [/^haskell-actions\/setup$/, 'haskell', ['ghc-version']],
  [/^subosito\/flutter-action$/, 'flutter', ['flutter-version']],
  [/^gradle\/actions\/setup-gradle|gradle\/gradle-build-action$/, 'gradle', ['gradle-version']],
];

function setupAction(fs: RepoFs, uses: string, withNode: YNode | undefined, ctx: ExprContext, source: Provenance, out: CiFindings, axisValues: Record<string, string[]> = {}): void {
  const [name, ref] = uses.split('@');
  const action = name.toLowerCase().split('/').slice(0, 2).join('/') + (name.split('/').length > 2 ? '/' + name.split('/').slice(2).join('/') : '');
  if (action === 'actions/checkout') {
    const subs = str(get(withNode, 'submodules'));
    if (subs && subs !== 'false') {
      out.candidates.push(candidate({
        command: `git submodule update --init${subs === 'recursive' ? ' --recursive' : ''}`,
        stage: 'install', file: source.file!, line: source.line!, detail: `${source.detail}`, confidence: CI_CONFIDENCE.githubActions,
      }));
    }
    return;
  }
  for (const c of commandsOfAction(fs, action, withNode, ctx)) {
    out.candidates.push(candidate({
      command: c.command, stage: decideStage(c.command, undefined, c.fallback ?? 'install'), file: source.file!, line: source.line!, detail: `${source.detail}`,
      confidence: CI_CONFIDENCE.githubActions - ACTION_TRANSLATION_PENALTY, cwd: c.cwd,
    }));
  }
  if (action === 'snok/install-poetry') {
    const v = str(get(withNode, 'version'));
    const sub = v === undefined ? undefined : substitute(v, ctx);
    out.toolchains.push({ language: 'poetry', version: sub && !sub.unresolved.length && sub.text ? sub.text : 'latest', source });
    return;
  }
  for (const [re, language, keys, fileKey] of SETUP_ACTIONS) {
    if (!re.test(action)) continue;
    let version: string | undefined;
    for (const k of keys) {
      const v = str(get(withNode, k));
      if (v) { version = v; break; }
    }
    if (version !== undefined) {
      const sub = substitute(version, ctx);
      // Several versions listed on separate lines: CI uses the last as the default.
      version = sub.unresolved.length ? undefined : sub.text.split('\n').map((s) => s.trim()).filter(Boolean).pop();
    }
    if (!version && fileKey) {
      const f = str(get(withNode, fileKey));
      if (f) version = versionFromFile(fs, substitute(f, ctx).text, language);
    }
    if (!version && language === 'rust' && ref && !/^(v\d|master|main)$/.test(ref)) version = ref; // dtolnay/rust-toolchain@1.70
    if (!version && language === 'ruby') version = versionFromFile(fs, '.ruby-version', 'ruby') ?? versionFromFile(fs, '.tool-versions', 'ruby');
    if (!version && language === 'go') version = versionFromFile(fs, 'go.mod', 'go');
    if (version) {
      // `java-version: ${{ matrix.java }}` over `java: [8, 17, 25]`: any listed version would do.
      const axis = matrixAxisOf(keys.map((k) => str(get(withNode, k))).find((v) => v !== undefined));
      const alternatives = axis ? axisValues[axis]?.filter((v) => /^v?\d+(\.\d+)*(\.x)?$/.test(v)).sort(byVersion) : undefined;
      out.toolchains.push({ language, version, ...(alternatives && alternatives.length > 1 ? { alternatives } : {}), source });
    }
    return;
  }
}

/** A command translated from an action's inputs says what the action does, not how it does it exactly. */
const ACTION_TRANSLATION_PENALTY = 0.05;

/**
 * Well-known actions that install or build in place of a `run:` step, as the commands they run:
 * a job that installs with `ramsey/composer-install` installs as surely as one that runs
 * `composer install`.
 */
function commandsOfAction(fs: RepoFs, action: string, withNode: YNode | undefined, ctx: ExprContext): { command: string; cwd?: string; fallback?: 'build' }[] {
  const input = (k: string): string | undefined => {
    const v = str(get(withNode, k));
    if (v === undefined) return undefined;
    const sub = substitute(v, ctx);
    return sub.unresolved.length ? undefined : sub.text.trim();
  };
  const cwd = normaliseDir(input('working-directory')?.split('\n')[0]);
  const inDir = (f: string) => fs.isFile(cwd ? `${cwd}/${f}` : f);
  const truthy = (k: string) => /^true$/i.test(input(k) ?? '');
  const withArgs = (base: string, args: string | undefined) => (args ? `${base} ${args.replace(/\s*\n\s*/g, ' ')}` : base);
  switch (action) {
    case 'ramsey/composer-install': {
      // `lowest` resolves the oldest allowed versions; otherwise the checkout's own install.
      const lowest = input('dependency-versions') === 'lowest';
      return [{ command: withArgs(lowest ? 'composer update --prefer-lowest --prefer-stable' : 'composer install', input('composer-options')), cwd }];
    }
    case 'php-actions/composer':
      return [{ command: withArgs(`composer ${input('command') || 'install'}`, input('args')), cwd }];
    case 'bahmutov/npm-install': {
      const own = input('install-command');
      if (own) return [{ command: own, cwd }];
      const locked = input('useLockFile') !== 'false';
      if (inDir('yarn.lock')) return [{ command: locked ? 'yarn --frozen-lockfile' : 'yarn', cwd }];
      return [{ command: locked && (inDir('package-lock.json') || inDir('npm-shrinkwrap.json')) ? 'npm ci' : 'npm install', cwd }];
    }
    case 'ruby/setup-ruby':
      return truthy('bundler-cache') ? [{ command: 'bundle install', cwd }] : [];
    case 'pnpm/action-setup':
      return truthy('run_install') ? [{ command: 'pnpm install' }] : [];
    case 'actions-rs/cargo': {
      const cmd = input('command');
      return cmd && input('use-cross') !== 'true' ? [{ command: withArgs(`cargo ${cmd}`, input('args')) }] : [];
    }
    case 'gradle/gradle-build-action': {
      const args = input('arguments');
      return args ? [{ command: withArgs(fs.isFile('gradlew') ? './gradlew' : 'gradle', args), cwd: normaliseDir(input('build-root-directory')) }] : [];
    }
    case 'borales/actions-yarn':
      return input('cmd') ? [{ command: `yarn ${input('cmd')}`, cwd: normaliseDir(input('dir')) }] : [];
    // Wrappers whose input is the step's own script: retried, or run under a virtual display.
    case 'nick-fields/retry':
    case 'wandalen/wretry.action':
      return input('command') ? [{ command: input('command')!, cwd, fallback: 'build' }] : [];
    case 'coactions/setup-xvfb':
    case 'gabrielbb/xvfb-action':
      return input('run') ? [{ command: `xvfb-run -a ${input('run')}`, cwd: normaliseDir(input('working-directory') ?? input('directory')), fallback: 'build' }] : [];
    default:
      return [];
  }
}
