/**
 * Diagnosis: which known errors a failed step's output shows, what they mean in plain words, and
 * which fixes to try. Patterns come from the data library; a few fixes are derived from the
 * captured names (a missing header → its -dev package, a missing Python import → its PyPI name).
 */
import type { TestCounts } from '../../protocol/run.js';
import type { ExecResult } from '../../sandbox/sandbox.js';
import { stripAnsi } from './ansi.js';
import { errorPatterns, systemPackages, type CompiledPattern } from './library.js';
import type { ErrorCategory } from './pattern-schema.js';
import { parseTestCounts } from './test-counts.js';

export interface FailureContext {
  command: string;
  stage: string;
  exitCode: number | null;
  timedOut?: boolean;
  limitHit?: ExecResult['limitHit'];
  /** Files present in the workspace root, for checks such as "is this import a local module?". */
  workspaceFiles?: string[];
}

export interface ProposedFix {
  /** The full command to run for this attempt (fix already combined with the failed command). */
  command: string;
  /** The fix as written in the library (for effectiveness statistics). */
  template: string;
  description: string;
  mode: 'replace' | 'before' | 'retry-with';
  system: boolean;
  network: boolean;
}

export interface Finding {
  patternId: string;
  category: ErrorCategory;
  explanation: string;
  evidence: string;
  fixes: ProposedFix[];
  priority: number;
}

export interface DiagnosisResult {
  findings: Finding[];
  /** Set when a test runner's summary was found. */
  tests?: TestCounts;
  /** True when the tests ran and reported failures (as opposed to the step failing to run). */
  testsFailed: boolean;
}

/** Only the end of long outputs is searched: errors are reported last, and regexes stay fast. */
const SEARCH_TAIL = 256 * 1024;

function substitute(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\d)/g, (_, i: string) => m[Number(i)] ?? '');
}

function combine(failed: string, fix: string, mode: ProposedFix['mode']): string {
  if (mode === 'replace') return fix;
  if (mode === 'retry-with') return failed.trimEnd() + fix;
  // "before": a fix ending in a space is a prefix (environment assignment); otherwise run it first.
  if (fix.endsWith(' ')) return fix + failed;
  if (fix.endsWith('&& ')) return fix + failed;
  return `${fix} && ${failed}`;
}

function derivedFixes(p: CompiledPattern, m: RegExpExecArray, ctx: FailureContext): ProposedFix[] {
  const map = systemPackages();
  const apt = (pkg: string, what: string): ProposedFix => ({
    command: combine(ctx.command, `apt-get install -y ${pkg}`, 'before'),
    template: `apt-get install -y ${pkg}`,
    description: `Install ${pkg}, which provides ${what}.`,
    mode: 'before',
    system: true,
    network: true,
  });
  const name = m.slice(1).find((g) => g) ?? '';
  switch (p.id) {
    case 'gcc.missing-header': {
      const pkg = map.headers[name];
      return pkg ? [apt(pkg, name)] : [];
    }
    case 'ld.missing-library': {
      const pkg = map.libraries[name];
      return pkg ? [apt(pkg, `lib${name}`)] : [];
    }
    case 'pkg-config.missing': {
      const pkg = map.pkgConfig[name];
      return pkg ? [apt(pkg, `the pkg-config module ${name}`)] : [];
    }
    case 'node.command-not-found-dev-tool': {
      const pkg = map.commands[name];
      if (pkg && !pkg.startsWith('(')) return [apt(pkg, `the command ${name}`)];
      return [];
    }
    case 'pip.no-module': {
      const top = name.split('.')[0];
      const files = ctx.workspaceFiles ?? [];
      // A local package of that name: the project is not installed / not on the path (Repo2Run's check).
      if (files.includes(top) || files.includes(`${top}.py`) || files.includes('src')) {
        return [{
          command: combine(ctx.command, 'PYTHONPATH=.:src ', 'before'),
          template: 'PYTHONPATH=.:src ',
          description: `${top} is part of this repository: run with the repository on PYTHONPATH.`,
          mode: 'before', system: false, network: false,
        }];
      }
      const pypi = map.pythonImports[name] ?? map.pythonImports[top] ?? top;
      return [{
        command: combine(ctx.command, `python3 -m pip install ${pypi}`, 'before'),
        template: 'python3 -m pip install <module>',
        description: `Install ${pypi} (the package that provides the import ${name}).`,
        mode: 'before', system: false, network: true,
      }];
    }
    default:
      return [];
  }
}

/** Lines that say something went wrong, as tools word it (not "0 errors" or "error-free"). */
const ERROR_LINE = /\b(?:error|fatal|failed|failure|exception|panic(?:ked)?|cannot|could not|unable to)\b|✖|✗|^E:|\bERR!/i;
const NO_ERROR_LINE = /\b0 (?:errors?|failed|failures?)\b|\bno errors?\b/i;

/**
 * What to show for an unrecognised failure: the last lines that read like an error (tools often
 * log progress or teardown after the real error, so the last lines alone can miss it), and the
 * last line of output; the last three lines when nothing reads like an error.
 */
function unknownEvidence(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const tail = lines.slice(-3);
  const errors = lines.slice(-60).filter((l) => ERROR_LINE.test(l) && !NO_ERROR_LINE.test(l)).slice(-2);
  const last = lines.at(-1);
  const shown = errors.length === 0 ? tail : last && !errors.includes(last) ? [...errors, last] : errors;
  return shown.join(' | ').slice(0, 300);
}

export function diagnose(output: string, ctx: FailureContext): DiagnosisResult {
  const text = stripAnsi(output.length > SEARCH_TAIL ? output.slice(-SEARCH_TAIL) : output);
  const findings: Finding[] = [];
  for (const p of errorPatterns()) {
    const m = p.regex.exec(text);
    if (!m) continue;
    const line = text.slice(text.lastIndexOf('\n', m.index) + 1, (text.indexOf('\n', m.index) + 1 || text.length + 1) - 1);
    const fixes: ProposedFix[] = [...derivedFixes(p, m, ctx)];
    p.fixes.forEach((f, i) => {
      const applies = p.fixRegexes[i];
      if (applies && !applies.test(ctx.command)) return;
      const fixText = substitute(f.command, m);
      fixes.push({ command: combine(ctx.command, fixText, f.mode), template: f.command, description: f.description, mode: f.mode, system: f.system, network: f.network });
    });
    findings.push({
      patternId: p.id,
      category: p.category,
      // A capture group that matched nothing leaves a gap ("reach  (no network…"): close it.
      explanation: substitute(p.explanation, m).replace(/`\s*`/g, 'a module').replace(/ {2,}/g, ' '),
      evidence: line.trim().slice(0, 300),
      fixes,
      priority: p.priority,
    });
  }
  if (ctx.timedOut || ctx.limitHit === 'timeout') {
    findings.push({ patternId: 'sandbox.timeout', category: 'timeout', explanation: 'The step ran longer than its time limit and was stopped.', evidence: `killed after the timeout`, fixes: [], priority: 100 });
  } else if (ctx.limitHit) {
    const what: Record<string, string> = { memory: 'memory', processes: 'process-count', 'file-size': 'file-size', cpu: 'CPU-time', disk: 'disk-space' };
    findings.push({ patternId: `sandbox.${ctx.limitHit}`, category: ctx.limitHit === 'memory' ? 'out-of-memory' : 'resource-limit', explanation: `The step hit the sandbox's ${what[ctx.limitHit] ?? ctx.limitHit} limit and was stopped.`, evidence: `limit: ${ctx.limitHit}`, fixes: [], priority: 100 });
  }
  findings.sort((a, b) => b.priority - a.priority);
  const tests = ctx.stage === 'test' || /\b(test|spec|check)\b/.test(ctx.command) ? parseTestCounts(text) : undefined;
  const testsFailed = !!tests && tests.failed > 0;
  if (ctx.exitCode !== 0 && findings.length === 0 && !testsFailed) {
    findings.push({ patternId: 'generic.unknown', category: 'unknown', explanation: `The command exited with code ${ctx.exitCode ?? 'unknown'} and its output matches no known error; see the evidence and the last lines of the output.`, evidence: unknownEvidence(text), fixes: [], priority: 0 });
  }
  return { findings, tests, testsFailed };
}
