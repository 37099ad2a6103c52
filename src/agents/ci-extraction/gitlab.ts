/**
 * GitLab CI (.gitlab-ci.yml): each job's `before_script` and `script` lines (GitLab runs each item
 * as its own command), `image` as a toolchain hint, `services`, `variables`; hidden `.templates`
 * merged through `extends`; deploy/release/pages jobs and manual jobs left out.
 */
import type { RepoFs } from '../../repo/repo-fs.js';
import type { Stage } from '../../protocol/plan.js';
import { isReleaseCommand } from '../documentation/command-facts.js';
import { candidate, CI_CONFIDENCE, cleanScript, decideStage, emptyFindings, isInformational, isReleaseName, platformOfLabel, stageOfName, type CiFindings } from './common.js';
import { get, loadYamlFile, str, strList, type YMap, type YNode } from './yaml-tree.js';
import { serviceOfImage, toolchainOfImage } from './images.js';

const RESERVED = new Set(['image', 'services', 'stages', 'variables', 'default', 'include', 'workflow', 'before_script', 'after_script', 'cache', 'types']);

function variables(node: YNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (node?.kind !== 'map') return out;
  for (const e of node.entries) {
    const v = str(e.value) ?? str(get(e.value, 'value'));
    // GitLab expands `$CI_…` and other variables; only literal values travel with a step.
    if (v !== undefined && !v.includes('$')) out[e.key] = v;
  }
  return out;
}

/** Merge `extends` templates under a job (the job's own keys win), depth-limited. */
function resolveJob(root: YMap, job: YMap, depth = 0): YMap {
  const ext = strList(get(job, 'extends')).map((s) => s.value);
  if (!ext.length || depth > 10) return job;
  const entries = [...job.entries];
  for (const name of ext.reverse()) {
    const t = get(root, name);
    if (t?.kind !== 'map') continue;
    for (const e of resolveJob(root, t, depth + 1).entries) if (!entries.some((x) => x.key === e.key)) entries.push(e);
  }
  return { ...job, entries };
}

/** Local files named by `include:` (string, list of strings, or `local:` entries), bounded. */
function localIncludes(root: YMap): string[] {
  const inc = get(root, 'include');
  const items = inc?.kind === 'seq' ? inc.items : inc ? [inc] : [];
  const out: string[] = [];
  for (const it of items) {
    const p = str(it) ?? str(get(it, 'local'));
    if (p && !/^https?:/.test(p) && !p.includes('*') && !p.includes('$')) out.push(p.replace(/^\/+/, ''));
  }
  return out.slice(0, 20);
}

export function extractGitlab(fs: RepoFs): CiFindings {
  const out = emptyFindings();
  const mainFile = '.gitlab-ci.yml';
  const main = loadYamlFile(fs, mainFile, out.warnings);
  if (main?.kind !== 'map') return out;
  // Jobs of included local files join the main file's (the main file's keys win); each job
  // remembers the file it came from for provenance.
  const origin = new Map<YNode, string>();
  const entries = [...main.entries];
  for (const e of entries) origin.set(e.value, mainFile);
  for (const incFile of localIncludes(main)) {
    const inc = loadYamlFile(fs, incFile, out.warnings);
    if (inc?.kind !== 'map') continue;
    for (const e of inc.entries) {
      if (entries.some((x) => x.key === e.key)) continue;
      entries.push(e);
      origin.set(e.value, incFile);
    }
  }
  const root: YMap = { ...main, entries };
  const dflt = get(root, 'default');
  const seen = new Set<string>();
  const seenTool = new Set<string>();
  const topVars = variables(get(root, 'variables'));

  for (const { key: jobName, value } of root.entries) {
    if (RESERVED.has(jobName) || jobName.startsWith('.') || value.kind !== 'map') continue;
    const file = origin.get(value) ?? mainFile;
    const job = resolveJob(root, value);
    if (!get(job, 'script')) continue;
    const stageName = str(get(job, 'stage')) ?? 'test';
    if (isReleaseName(jobName.replace(/[-_:]/g, ' ')) || isReleaseName(stageName) || /^(pages|deploy|release|publish)/i.test(jobName) || /^(deploy|release|publish|pages)/i.test(stageName)) continue;
    if (str(get(job, 'when')) === 'manual') continue;
    // Jobs that run only for tags (`only: [tags]`, `rules: - if: $CI_COMMIT_TAG`) release things.
    const only = get(job, 'only');
    const refs = strList(only?.kind === 'map' ? get(only, 'refs') : only).map((x) => x.value);
    if (refs.length && refs.every((r) => r === 'tags')) continue;
    const rules = get(job, 'rules');
    const tagRule = (cond: string) => /\$CI_COMMIT_TAG\b/.test(cond) && !/CI_COMMIT_TAG\s*==\s*(null|""|'')|!\s*\$CI_COMMIT_TAG/.test(cond);
    if (rules?.kind === 'seq' && rules.items.length && rules.items.every((r) => tagRule(str(get(r, 'if')) ?? ''))) continue;
    const tags = strList(get(job, 'tags')).map((t) => t.value).join(' ');
    const platform = platformOfLabel(tags);
    const image = str(get(job, 'image')) ?? str(get(get(job, 'image'), 'name')) ?? str(get(dflt, 'image')) ?? str(get(get(dflt, 'image'), 'name')) ?? str(get(root, 'image')) ?? str(get(get(root, 'image'), 'name'));
    if (image) {
      const tc = toolchainOfImage(image);
      if (tc && !seenTool.has(`${tc.language}@${tc.version}`)) {
        seenTool.add(`${tc.language}@${tc.version}`);
        out.toolchains.push({ ...tc, source: { kind: 'ci', file, line: (get(job, 'image') ?? get(dflt, 'image') ?? get(root, 'image'))!.line, detail: `gitlab-ci:${jobName}` } });
      }
    }
    const services = get(job, 'services') ?? get(dflt, 'services') ?? get(root, 'services');
    if (services?.kind === 'seq') {
      for (const s of services.items) {
        const img = str(s) ?? str(get(s, 'name'));
        const name = img ? serviceOfImage(img) : undefined;
        if (name && !out.services.some((x) => x.name === name)) out.services.push({ name, source: { kind: 'ci', file, line: s.line, detail: `gitlab-ci:${jobName}/services` } });
      }
    }
    const env = { ...topVars, ...variables(get(job, 'variables')) };
    const jobStage: Stage = stageOfName(stageName) ?? stageOfName(jobName) ?? 'test';
    const before = get(job, 'before_script') ?? get(dflt, 'before_script') ?? get(root, 'before_script');
    const lists: [YNode | undefined, Stage][] = [[before, 'install'], [get(job, 'script'), jobStage]];
    for (const [node, fallback] of lists) {
      for (const item of strList(node)) {
        const command = cleanScript(item.value);
        if (!command || isReleaseCommand(command) || isInformational(command)) continue;
        const key = `${command}\u0000${platform ?? ''}`;
        if (seen.has(key)) continue; // shared before_script repeated in every job
        seen.add(key);
        out.candidates.push(candidate({
          command,
          stage: decideStage(command, fallback === 'install' ? undefined : stageName, fallback),
          file,
          line: item.line,
          detail: `gitlab-ci:${jobName}`,
          confidence: CI_CONFIDENCE.gitlab - (/\$\{?CI_|\$\{?[A-Z_]*(TOKEN|PASSWORD|SECRET|KEY)\b/.test(command) ? 0.15 : 0),
          env,
          platform: platform === 'linux' ? undefined : platform,
          context: jobName,
          needsInput: [...command.matchAll(/\$\{?([A-Z_]*(?:TOKEN|PASSWORD|SECRET|API_KEY))\}?/g)].map((m) => m[1]).filter((n) => !(n in env)),
        }));
      }
    }
  }
  return out;
}
