/**
 * The older or less common hosted CI systems, read cheaply: Travis CI (phases and language
 * versions), CircleCI (run steps, docker images) and Azure Pipelines (script/bash steps, version
 * tasks).
 */
import type { RepoFs } from '../../repo/repo-fs.js';
import type { Platform, Stage } from '../../protocol/plan.js';
import { isReleaseCommand } from '../documentation/command-facts.js';
import { candidate, CI_CONFIDENCE, cleanScript, decideStage, emptyFindings, isInformational, isReleaseName, normaliseDir, platformOfLabel, type CiFindings, type CiOptions } from './common.js';
import { get, loadYamlFile, str, strList, strRecord, type YMap, type YNode } from './yaml-tree.js';
import { serviceOfImage, toolchainOfImage } from './images.js';
import { chooseMatrixEntry } from './matrix.js';

const TRAVIS_LANG: Record<string, string> = {
  python: 'python', node_js: 'node', ruby: 'ruby', go: 'go', jdk: 'java', php: 'php', rust: 'rust', dotnet: 'dotnet', elixir: 'elixir', dart: 'dart',
};
const TRAVIS_PHASES: [string, Stage][] = [['before_install', 'install'], ['install', 'install'], ['before_script', 'build'], ['script', 'test']];

/**
 * Travis jobs listed under `jobs.include` / `matrix.include`: the first Linux entry that is not a
 * deploy stage, its keys laid over the top-level ones.
 */
function travisEffective(root: YMap): YMap {
  const include = get(get(root, 'jobs'), 'include') ?? get(get(root, 'matrix'), 'include');
  if (include?.kind !== 'seq') return root;
  const pick = include.items.find((it) => it.kind === 'map'
    && !/deploy|release|publish/i.test(str(get(it, 'stage')) ?? '')
    && !['windows', 'osx'].includes((str(get(it, 'os')) ?? 'linux').toLowerCase()));
  if (pick?.kind !== 'map') return root;
  const entries = [...pick.entries];
  for (const e of root.entries) if (!entries.some((x) => x.key === e.key)) entries.push(e);
  return { ...root, entries };
}

export function extractTravis(fs: RepoFs, opts: CiOptions = {}): CiFindings {
  const out = emptyFindings();
  const file = '.travis.yml';
  const top = loadYamlFile(fs, file, out.warnings);
  if (top?.kind !== 'map') return out;
  const root = travisEffective(top);
  const os = strList(get(root, 'os')).map((s) => s.value);
  if (os.length && os.every((o) => platformOfLabel(o) === 'windows' || platformOfLabel(o) === 'macos')) return out;
  for (const [key, language] of Object.entries(TRAVIS_LANG)) {
    const versions = strList(get(root, key));
    if (!versions.length) continue;
    const plain = (v: string) => (key === 'jdk' ? (/(\d+)/.exec(v)?.[1] ?? v) : v);
    // Of several versions, one installed here if any (else the latest stable).
    const prefer = opts.satisfiedHere && ((e: Record<string, unknown>) => (opts.satisfiedHere!(language, plain(String(e.v))) === true ? 50 : 0));
    const chosen = chooseMatrixEntry({ v: versions.map((v) => v.value) }, [], [], prefer || undefined)?.v as string | undefined;
    const pick = versions.find((v) => v.value === chosen) ?? versions[versions.length - 1];
    const alternatives = [...new Set(versions.map((v) => plain(v.value)).filter((v) => /^\d+(\.\d+)*$/.test(v)))];
    out.toolchains.push({ language, version: plain(pick.value), ...(alternatives.length > 1 ? { alternatives } : {}), source: { kind: 'ci', file, line: pick.line, detail: `travis:${key}` } });
  }
  for (const s of strList(get(root, 'services'))) {
    out.services.push({ name: serviceOfImage(s.value) ?? s.value.toLowerCase(), source: { kind: 'ci', file, line: s.line, detail: 'travis:services' } });
  }
  const apt = get(get(root, 'addons'), 'apt');
  const pkgs = strList(get(apt, 'packages') ?? (apt?.kind === 'seq' ? apt : undefined));
  if (pkgs.length) {
    out.candidates.push(candidate({
      command: `apt-get install -y ${pkgs.map((p) => p.value).join(' ')}`, stage: 'system', file, line: pkgs[0].line, detail: 'travis:addons.apt', confidence: CI_CONFIDENCE.travis - 0.1,
    }));
  }
  const env = strRecord(get(root, 'env'));
  for (const [phase, fallback] of TRAVIS_PHASES) {
    for (const item of strList(get(root, phase))) {
      const command = cleanScript(item.value);
      if (!command || isReleaseCommand(command) || isInformational(command)) continue;
      out.candidates.push(candidate({
        command, stage: decideStage(command, undefined, fallback), file, line: item.line, detail: `travis:${phase}`, confidence: CI_CONFIDENCE.travis, env,
      }));
    }
  }
  return out;
}

export function extractCircleci(fs: RepoFs): CiFindings {
  const out = emptyFindings();
  const file = '.circleci/config.yml';
  const root = loadYamlFile(fs, file, out.warnings);
  const jobs = get(root, 'jobs');
  if (jobs?.kind !== 'map') return out;
  const seen = new Set<string>();
  for (const { key: jobName, value: job } of jobs.entries) {
    if (job.kind !== 'map' || isReleaseName(jobName.replace(/[-_]/g, ' '))) continue;
    const platform: Platform | undefined = get(job, 'macos') ? 'macos' : platformOfLabel(str(get(get(job, 'executor'), 'name')) ?? str(get(job, 'executor')) ?? str(get(job, 'resource_class')));
    const docker = get(job, 'docker');
    if (docker?.kind === 'seq') {
      docker.items.forEach((d, i) => {
        const image = str(get(d, 'image'));
        if (!image) return;
        const source = { kind: 'ci' as const, file, line: d.line, detail: `circleci:${jobName}/docker` };
        const tc = i === 0 ? toolchainOfImage(image) : undefined;
        if (tc) out.toolchains.push({ ...tc, source });
        const svc = i > 0 ? serviceOfImage(image) : undefined;
        if (svc && !out.services.some((s) => s.name === svc)) out.services.push({ name: svc, source });
      });
    }
    const jobCwd = normaliseDir(str(get(job, 'working_directory'))?.replace(/^~\/(project|repo)\/?/, ''));
    const env = strRecord(get(job, 'environment'));
    const steps = get(job, 'steps');
    if (steps?.kind !== 'seq') continue;
    for (const step of steps.items) {
      const orb = orbStep(step);
      if (orb) {
        out.candidates.push(candidate({
          command: orb.command, stage: orb.stage, file, line: step.line, detail: `circleci:${jobName}/${orb.orb}`,
          confidence: CI_CONFIDENCE.circleci - 0.1, cwd: jobCwd, platform: platform === 'linux' ? undefined : platform, context: jobName,
        }));
        continue;
      }
      const run = get(step, 'run');
      if (!run) continue;
      const command = cleanScript(str(run) ?? str(get(run, 'command')) ?? '');
      const name = str(get(run, 'name'));
      if (!command || isReleaseCommand(command) || isInformational(command) || isReleaseName(name)) continue;
      const key = `${command}\u0000${jobCwd ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const params = [...command.matchAll(/<<\s*(pipeline\.)?parameters\.[\w-]+\s*>>/g)].map((m) => m[0]);
      out.candidates.push(candidate({
        command,
        stage: decideStage(command, name, 'build'),
        file,
        line: (run.kind === 'map' ? get(run, 'command')?.line : run.line) ?? step.line,
        detail: `circleci:${jobName}${name ? `/${name}` : ''}`,
        confidence: CI_CONFIDENCE.circleci - (params.length ? 0.2 : 0),
        cwd: normaliseDir(str(get(run, 'working_directory'))) ?? jobCwd,
        env: { ...env, ...strRecord(get(run, 'environment')) },
        platform: platform === 'linux' ? undefined : platform,
        needsInput: params,
        context: jobName,
      }));
    }
  }
  return out;
}

/**
 * What the common CircleCI orb steps run (`node/install-packages`, `python/install-packages`,
 * `node/test`…), by their documented defaults and `pkg-manager` parameter.
 */
function orbStep(step: YNode): { orb: string; command: string; stage: Stage } | undefined {
  const name = str(step) ?? (step.kind === 'map' && step.entries.length === 1 ? step.entries[0].key : undefined);
  if (!name || !name.includes('/')) return undefined;
  const params = step.kind === 'map' ? get(step, name) : undefined;
  const pm = str(get(params, 'pkg-manager'));
  switch (name) {
    case 'node/install-packages':
      return { orb: name, stage: 'install', command: pm === 'yarn' ? 'yarn install --frozen-lockfile' : pm === 'yarn-berry' ? 'yarn install --immutable' : pm === 'pnpm' ? 'pnpm install --frozen-lockfile' : 'npm ci' };
    case 'node/test':
      return { orb: name, stage: 'test', command: `${pm === 'yarn' || pm === 'yarn-berry' ? 'yarn' : pm === 'pnpm' ? 'pnpm' : 'npm'} run ${str(get(params, 'run-command')) ?? 'test'}` };
    case 'python/install-packages': {
      const args = str(get(params, 'args'));
      const command = pm === 'poetry' ? 'poetry install' : pm === 'pipenv' ? 'pipenv install --dev' : pm === 'uv' ? 'uv sync' : `pip install -r ${str(get(params, 'pip-dependency-file')) ?? 'requirements.txt'}`;
      return { orb: name, stage: 'install', command: args ? `${command} ${args}` : command };
    }
    case 'python/test':
      return { orb: name, stage: 'test', command: str(get(params, 'test-tool')) === 'unittest' ? 'python -m unittest' : 'pytest' };
    case 'ruby/install-deps':
      return { orb: name, stage: 'install', command: 'bundle install' };
    case 'ruby/rspec-test':
      return { orb: name, stage: 'test', command: 'bundle exec rspec' };
    case 'go/mod-download':
    case 'go/load-cache':
      return name === 'go/mod-download' ? { orb: name, stage: 'install', command: 'go mod download' } : undefined;
    case 'go/test':
      return { orb: name, stage: 'test', command: 'go test ./...' };
    default:
      return undefined;
  }
}

const AZURE_FILES = ['azure-pipelines.yml', 'azure-pipelines.yaml', '.azure-pipelines.yml', '.azure-pipelines/azure-pipelines.yml', '.azure/pipelines.yml'];
const AZURE_TASKS: [RegExp, string, string[]][] = [
  [/^UsePythonVersion@/i, 'python', ['versionSpec']],
  [/^(NodeTool|UseNode)@/i, 'node', ['versionSpec', 'version']],
  [/^GoTool@/i, 'go', ['version']],
  [/^JavaToolInstaller@/i, 'java', ['versionSpec']],
  [/^UseDotNet@/i, 'dotnet', ['version']],
  [/^UseRubyVersion@/i, 'ruby', ['versionSpec']],
];

export function extractAzure(fs: RepoFs): CiFindings {
  const out = emptyFindings();
  const file = AZURE_FILES.find((f) => fs.isFile(f));
  if (!file) return out;
  const root = loadYamlFile(fs, file, out.warnings);
  if (root?.kind !== 'map') return out;
  const jobs: { name: string; node: YNode }[] = [];
  const collectJobs = (node: YNode | undefined) => {
    if (node?.kind !== 'seq') return;
    for (const j of node.items) jobs.push({ name: str(get(j, 'job')) ?? str(get(j, 'deployment')) ?? 'job', node: j });
  };
  if (get(root, 'steps')) jobs.push({ name: 'pipeline', node: root });
  collectJobs(get(root, 'jobs'));
  const stages = get(root, 'stages');
  if (stages?.kind === 'seq') for (const s of stages.items) collectJobs(get(s, 'jobs'));
  const rootPool = str(get(get(root, 'pool'), 'vmImage')) ?? str(get(root, 'pool'));
  for (const { name, node } of jobs) {
    if (get(node, 'deployment') || isReleaseName(name.replace(/[-_]/g, ' '))) continue;
    const strategy = get(get(node, 'strategy'), 'matrix');
    let poolImage = str(get(get(node, 'pool'), 'vmImage')) ?? rootPool;
    if (strategy?.kind === 'map' && poolImage?.includes('$(')) {
      // A matrix of named legs, each a map of variables: pick a Linux leg's image.
      const leg = strategy.entries.map((e) => strRecord(e.value)).find((v) => Object.values(v).some((x) => platformOfLabel(x) === 'linux'));
      if (leg) poolImage = poolImage.replace(/\$\((\w+)\)/g, (m, k: string) => leg[k] ?? m);
    }
    const platform = platformOfLabel(poolImage);
    if (platform === 'windows' || platform === 'macos') continue;
    const steps = get(node, 'steps');
    if (steps?.kind !== 'seq') continue;
    for (const step of steps.items) {
      const task = str(get(step, 'task'));
      if (task) {
        const t = AZURE_TASKS.find(([re]) => re.test(task));
        const inputs = get(step, 'inputs');
        const version = t ? t[2].map((k) => str(get(inputs, k))).find(Boolean) : undefined;
        if (t && version) out.toolchains.push({ language: t[1], version, source: { kind: 'ci', file, line: step.line, detail: `azure-pipelines:${name}/${task}` } });
        continue;
      }
      const kind = ['script', 'bash', 'powershell', 'pwsh'].find((k) => get(step, k));
      if (!kind) continue;
      const command = cleanScript(str(get(step, kind)) ?? '');
      const display = str(get(step, 'displayName'));
      if (!command || isReleaseCommand(command) || isInformational(command) || isReleaseName(display)) continue;
      out.candidates.push(candidate({
        command,
        stage: decideStage(command, display, 'build'),
        file,
        line: get(step, kind)!.line,
        detail: `azure-pipelines:${name}${display ? `/${display}` : ''}`,
        confidence: CI_CONFIDENCE.azure - (/\$\(\w+\)/.test(command) ? 0.15 : 0),
        cwd: normaliseDir(str(get(step, 'workingDirectory'))?.replace(/^\$\((Build\.SourcesDirectory|System\.DefaultWorkingDirectory)\)\/?/, '')),
        env: strRecord(get(step, 'env')),
        platform: kind === 'powershell' || kind === 'pwsh' ? 'windows' : undefined,
        context: name,
      }));
    }
  }
  return out;
}
