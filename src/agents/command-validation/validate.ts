/**
 * validateCommand: parse with mvdan/sh, walk in execution order, apply the rules, and fold the
 * findings into one verdict with reasons, a suggestion, the commands used and whether the
 * network is needed.
 */
import { resolve } from 'node:path';
import { NovaError } from '../../errors.js';
import { environmentFindings } from './environment.js';
import { needsNetwork } from './network.js';
import { initParser, parseShell } from './parser.js';
import { looksLikePowerShell, powerShellFindings, tokenizePowerShell } from './powershell.js';
import { deletionRule, diskRule, permissionRule } from './rules/destructive.js';
import type { CommandRule, Finding } from './rules/finding.js';
import { globalConfigRule } from './rules/global-config.js';
import { warn } from './rules/finding.js';
import { downloadedRunRule, inlineProgramRule, pipelineCodeRule, pipelineSecretRule, senderSecretRule, substitutionCodeRule } from './rules/flows.js';
import { dockerRule, evalRule, globalInstallRule, privilegeRule, publishRule } from './rules/risky.js';
import { historyRule, powerRule, securityToolRule } from './rules/system.js';
import { crontabRule, redirectRule, writeTargetRule } from './rules/writes.js';
import { newState, type ShellState } from './state.js';
import { applyRewrites, suggestFor, type Rewrite } from './suggestions.js';
import type { CommandVerdict, ValidationContext } from './types.js';
import { unwrap } from './unwrap.js';
import { TooManyCommandsError, Walker, type WalkResult } from './walker.js';

/** How the reason for text that is not shell begins (plans carry it; execution skips such steps). */
export const PARSE_FAILURE_PREFIX = 'does not parse as a shell command: ';

/** Longest command text judged; longer text is refused rather than parsed. */
export const MAX_COMMAND_BYTES = 32 * 1024;

const COMMAND_RULES: CommandRule[] = [
  deletionRule, diskRule, permissionRule, redirectRule, writeTargetRule, crontabRule,
  powerRule, historyRule, securityToolRule, privilegeRule, globalInstallRule, evalRule, publishRule, dockerRule,
  globalConfigRule,
];

/** Load the parser once at start-up (synchronous work; async for callers that await it). */
export async function initValidator(): Promise<void> {
  initParser();
}

export interface DetailedVerdict extends CommandVerdict {
  walk?: WalkResult;
  state: ShellState;
  missingTools: string[];
}

export function validateCommand(command: string, ctx: ValidationContext): CommandVerdict {
  const { walk: _w, state: _s, missingTools: _m, ...verdict } = validateInState(command, ctx, undefined);
  return verdict;
}

/** Judge a command in a given shell state (validateSteps carries the state from step to step). */
export function validateInState(command: string, ctx: ValidationContext, state: ShellState | undefined): DetailedVerdict {
  checkContext(ctx);
  const st = state ?? newState(resolve(ctx.workspace));
  if (typeof command !== 'string') throw new NovaError('BAD_INPUT', 'command must be a string', { hint: 'pass the shell text of one step' });
  if (Buffer.byteLength(command, 'utf8') > MAX_COMMAND_BYTES) {
    return { verdict: 'warn', reasons: [`the command is longer than ${MAX_COMMAND_BYTES} bytes and was not analysed`], commands: [], state: st, missingTools: [] };
  }
  if (command.includes('\0')) {
    return { verdict: 'warn', reasons: ['the command contains a NUL byte and cannot be a shell command'], parseError: 'NUL byte in command', commands: [], state: st, missingTools: [] };
  }
  try {
    return analyse(command, ctx, st);
  } catch (e) {
    // pathological nesting (thousands of levels) exhausts the stack: say so instead of guessing
    if (e instanceof RangeError) {
      return { verdict: 'warn', reasons: ['the command is nested too deeply to be analysed; review it by hand'], commands: [], state: st, missingTools: [] };
    }
    if (e instanceof TooManyCommandsError) {
      return { verdict: 'warn', reasons: [`the command runs ${e.message} and was not analysed; review it by hand`], commands: [], state: st, missingTools: [] };
    }
    throw e;
  }
}

function analyse(command: string, ctx: ValidationContext, st: ShellState): DetailedVerdict {
  const parsed = parseShell(command);
  if (!parsed.ok) return parseFailure(command, parsed.error, st);

  const walker = new Walker(Buffer.from(command, 'utf8'));
  walker.walkFile(parsed.file, st);
  const walk = walker.result;
  const findings: Finding[] = [...walk.structural];
  const rewrites: Rewrite[] = [];
  const commands: string[] = [];
  let network = false;
  // files downloaded by earlier steps or earlier in this command (st.downloaded grows as we walk)
  const downloaded = st.downloaded;

  for (const rec of walk.records) {
    const u = unwrap(rec.argv);
    for (const w of [...u.wrapperWords, ...(u.name ? [u.words[0]!] : [])]) {
      if (w && !commands.includes(w) && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) commands.push(w);
    }
    const input = { rec, u, ctx, workspace: st.workspace };
    for (const rule of COMMAND_RULES) findings.push(...rule(input));
    findings.push(...substitutionCodeRule(rec), ...inlineProgramRule(rec), ...senderSecretRule(rec, st.workspace), ...downloadedRunRule(rec, downloaded));
    if (needsNetwork(u)) network = true;
    if (!rec.inSubst && !rec.inFunction) {
      const s = suggestFor(rec, u, ctx, st.workspace);
      // one virtualenv is enough: later pip commands in the same text run inside it
      if (s && !(s.kind === 'venv' && rewrites.some((r) => r.kind === 'venv'))) rewrites.push(s);
    }
  }
  findings.push(...pipelineCodeRule(walk), ...pipelineSecretRule(walk, st.workspace));
  for (const e of walk.innerParseErrors) findings.push(warn(`an inner shell script does not parse (${e})`));
  // bash accepts PowerShell pipelines such as `irm … | iex` as text; judge those tokens too
  if (walk.records.some((r) => /^(iex|invoke-expression|iwr|irm|invoke-webrequest|invoke-restmethod|set-mppreference)$/i.test(r.argv[0]?.text ?? ''))) {
    findings.push(...powerShellFindings(command));
  }
  const env = environmentFindings(commands, ctx, st.providedTools, st.functions);
  findings.push(...env.findings);

  const suggestion = applyRewrites(command, rewrites);
  const result: DetailedVerdict = { ...fold(findings), commands, walk, state: st, missingTools: env.missing };
  if (suggestion && suggestion !== command) result.suggestion = suggestion;
  if (network) result.network = true;
  return result;
}

function parseFailure(command: string, error: string, st: ShellState): DetailedVerdict {
  const findings: Finding[] = [];
  const tokens = tokenizePowerShell(command);
  if (looksLikePowerShell(tokens)) findings.push(...powerShellFindings(command));
  findings.push(warn(`${PARSE_FAILURE_PREFIX}${error}`));
  const downloads = tokens.some((t) => /^(iwr|irm|invoke-webrequest|invoke-restmethod|curl|wget)$/i.test(t));
  const r: DetailedVerdict = { ...fold(findings), parseError: error, commands: [], state: st, missingTools: [] };
  if (downloads) r.network = true;
  return r;
}

function fold(findings: Finding[]): { verdict: CommandVerdict['verdict']; reasons: string[] } {
  const reasons: string[] = [];
  // blocking reasons first, each said once
  for (const level of ['block', 'warn'] as const) {
    for (const f of findings) if (f.level === level && !reasons.includes(f.reason)) reasons.push(f.reason);
  }
  const verdict = findings.some((f) => f.level === 'block') ? 'block' : findings.length ? 'warn' : 'allow';
  return { verdict, reasons };
}

function checkContext(ctx: ValidationContext): void {
  if (!ctx || typeof ctx.workspace !== 'string' || !ctx.workspace.startsWith('/')) {
    throw new NovaError('BAD_INPUT', `ValidationContext.workspace must be an absolute path, got ${JSON.stringify(ctx?.workspace)}`, {
      hint: 'pass the absolute path of the repository checkout',
    });
  }
}
