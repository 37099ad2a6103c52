/**
 * Dockerfile `RUN` instructions: joined over continuations, split at `&&` into parts, system
 * package installs kept apart (system stage) from project commands, container housekeeping
 * (apt list cleanup, users, chown of absolute paths) dropped. `FROM` hints the toolchain version.
 */
import type { RepoFs } from '../../repo/repo-fs.js';
import type { Stage } from '../../protocol/plan.js';
import { splitScript, commandWords } from '../documentation/command-facts.js';
import { operators, parseShell } from '../command-validation/parser.js';
import type { BinaryCmd, Stmt } from '../command-validation/ast.js';
import { candidate, CI_CONFIDENCE, ciStageOfCommand, emptyFindings, type CiFindings } from './common.js';
import { serviceOfImage, toolchainOfImage } from './images.js';

export const MAX_DOCKERFILES = 6;

export function dockerfiles(fs: RepoFs): string[] {
  const found: string[] = [];
  for (const dir of ['.', 'docker', '.devcontainer', 'build', 'ci', '.ci']) {
    for (const e of fs.list(dir)) {
      if (!(e.file || e.symlink)) continue;
      if (/^(Dockerfile|Containerfile)(\.[\w.-]+)?$|\.(dockerfile|Dockerfile)$/.test(e.name)) found.push(dir === '.' ? e.name : `${dir}/${e.name}`);
    }
  }
  // Development/test images first: they show how to build and test, not just how to ship.
  const rank = (p: string) => (/dev|test|ci/i.test(p) ? 0 : /^(Dockerfile|Containerfile)$/.test(p) ? 1 : 2);
  return found.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, MAX_DOCKERFILES);
}

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Logical instructions of a Dockerfile: continuations joined, comments dropped, heredocs kept. */
export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  let escape = '\\';
  const out: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const directive = /^#\s*escape\s*=\s*([\\`])\s*$/i.exec(l);
    if (directive && out.length === 0) { escape = directive[1]; continue; }
    if (!l.trim() || /^\s*#/.test(l)) continue;
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(l);
    if (!m) continue;
    const line = i + 1;
    let args = m[2];
    while (args.endsWith(escape) && i + 1 < lines.length) {
      args = args.slice(0, -1).trimEnd();
      i++;
      while (i < lines.length && /^\s*#/.test(lines[i])) i++; // comments inside a continued instruction
      if (i < lines.length) args += ' ' + lines[i].trim();
    }
    const heredoc = /<<-?\s*["']?([A-Za-z_]\w*)["']?/.exec(args);
    if (heredoc && m[1].toUpperCase() === 'RUN') {
      const body: string[] = [];
      while (i + 1 < lines.length && lines[i + 1].trim() !== heredoc[1]) body.push(lines[++i]);
      i++;
      args = args.replace(heredoc[0], '').trim() ? `${args.replace(heredoc[0], '').trim()}\n${body.join('\n')}` : body.join('\n');
    }
    out.push({ keyword: m[1].toUpperCase(), args: args.trim(), line });
  }
  return out;
}

/** A command or a pipeline of commands: no `if`, loop, `case`, subshell, `||`, function… */
function isSimpleStmt(st: Stmt | null | undefined): boolean {
  if (!st || st.Background || st.Coprocess) return false;
  const cmd = st.Cmd;
  if (!cmd) return st.Redirs.length > 0; // a bare redirection (`> file`)
  if (cmd.type === 'CallExpr') return true;
  if (cmd.type !== 'BinaryCmd') return false;
  const bin = cmd as BinaryCmd;
  const o = operators();
  return (bin.Op === o.pipe || bin.Op === o.pipeAll) && isSimpleStmt(bin.X) && isSimpleStmt(bin.Y);
}

/** The top-level commands joined by `&&`, `;` or newlines; undefined when one is not simple. */
function topLevelCommands(stmts: Stmt[]): number | undefined {
  const andStmt = operators().andStmt;
  let n = 0;
  const visit = (st: Stmt | null): boolean => {
    if (st?.Cmd?.type === 'BinaryCmd' && (st.Cmd as BinaryCmd).Op === andStmt && !st.Negated && !st.Redirs.length) {
      const bin = st.Cmd as BinaryCmd;
      return visit(bin.X) && visit(bin.Y);
    }
    if (!isSimpleStmt(st)) return false;
    n++;
    return true;
  };
  return stmts.every(visit) ? n : undefined;
}

/**
 * The commands of a RUN body, split at top-level `&&`, `;` and newlines only when the real shell
 * parser sees nothing but simple commands there and each split piece parses as exactly one of
 * them. Compound shell (`if … fi`, loops, `case`), `||` and anything else a split would break
 * keep the body whole: a piece such as `if [ "$X" = 1 ]` alone is not a command.
 */
export function runParts(body: string): string[] {
  const whole = body.trim();
  if (!whole) return [];
  const parsed = parseShell(whole);
  if (!parsed.ok) return [whole];
  const count = topLevelCommands(parsed.file.Stmts);
  const pieces = splitScript(whole);
  if (count === undefined || count !== pieces.length) return [whole];
  const simple = (p: string): boolean => {
    const r = parseShell(p);
    return r.ok && r.file.Stmts.length === 1 && isSimpleStmt(r.file.Stmts[0]);
  };
  return pieces.every(simple) ? pieces : [whole];
}

/** Container housekeeping that has no meaning for a checkout on the host. */
function isHousekeeping(part: string): boolean {
  const w = commandWords(part);
  const cmd = w[0] ?? '';
  const joined = w.join(' ');
  if (/^(useradd|adduser|groupadd|addgroup|usermod|chown|ln|update-ca-certificates|locale-gen|localedef|dpkg-reconfigure|true|:)$/.test(cmd)) return true;
  if (/^set$/.test(cmd) && /^[-+][euxo]/.test(w[1] ?? '')) return true;
  if (/^(apt-get|apt|yum|dnf) (clean|autoremove|autoclean)\b/.test(joined)) return true;
  if (/^(rm|mkdir|chmod|touch|cd|echo)$/.test(cmd) && w.slice(1).some((a) => a.startsWith('/') || a.startsWith('~'))) return true;
  if (/^(npm cache|yarn cache|pip cache|pnpm store prune|conda clean)\b/.test(joined)) return true;
  if (/^(find|cp|mv|curl|wget)$/.test(cmd) && w.slice(1).some((a) => /^\/(usr|etc|opt|var|root|bin|lib|tmp)\b/.test(a))) return true;
  return false;
}

function execForm(args: string): string | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const arr = JSON.parse(args) as unknown;
    if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) {
      return arr.map((a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
    }
  } catch { /* not JSON: shell form */ }
  return undefined;
}

const posixJoin = (base: string, p: string) => (p.startsWith('/') ? p : `${base.replace(/\/$/, '')}/${p}`).replace(/\/\.(?=\/|$)/g, '').replace(/\/+$/, '') || '/';

export function extractDockerfiles(fs: RepoFs): CiFindings {
  const out = emptyFindings();
  for (const file of dockerfiles(fs)) {
    const r = fs.read(file, 256 * 1024);
    if (!r) {
      out.warnings.push(`${file} could not be read (binary, or a link leading outside the repository); skipped`);
      continue;
    }
    const instrs = parseDockerfile(r.text);
    const args: Record<string, string> = {};
    const expand = (s: string) => s.replace(/\$\{?([A-Za-z_]\w*)\}?/g, (m, n: string) => args[n] ?? m);
    // The folder the repository is copied to (`COPY . /app`, or `COPY . .` into the WORKDIR).
    let workdir = '/';
    let repoRoot: string | undefined;
    let env: Record<string, string> = {};
    const finalFrom = instrs.map((x) => x.keyword).lastIndexOf('FROM');
    instrs.forEach((ins, idx) => {
      switch (ins.keyword) {
        case 'ARG': {
          const m = /^([A-Za-z_]\w*)(?:=(.*))?$/.exec(ins.args);
          if (m && m[2] !== undefined) args[m[1]] = m[2].replace(/^["']|["']$/g, '');
          return;
        }
        case 'FROM': {
          const image = expand(ins.args.replace(/--platform=\S+\s+/, '').split(/\s+/)[0] ?? '');
          const tc = toolchainOfImage(image);
          if (tc) out.toolchains.push({ ...tc, source: { kind: 'ci', file, line: ins.line, detail: 'dockerfile:FROM' } });
          const svc = serviceOfImage(image);
          if (svc && svc !== 'docker') out.services.push({ name: svc, source: { kind: 'ci', file, line: ins.line, detail: 'dockerfile:FROM' } });
          workdir = '/';
          repoRoot = undefined;
          env = {};
          return;
        }
        case 'WORKDIR':
          workdir = posixJoin(workdir, expand(ins.args.replace(/^["']|["']$/g, '')));
          return;
        case 'COPY':
        case 'ADD': {
          const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
          if (parts.length >= 2 && (parts[0] === '.' || parts[0] === './')) repoRoot = posixJoin(workdir, parts[parts.length - 1]);
          return;
        }
        case 'ENV': {
          const pairs = ins.args.includes('=') ? [...ins.args.matchAll(/([A-Za-z_]\w*)=("[^"]*"|'[^']*'|\S+)/g)].map((m) => [m[1], m[2]]) : [ins.args.split(/\s+/, 2)];
          for (const [k, v] of pairs) {
            if (!k || v === undefined) continue;
            const val = v.replace(/^["']|["']$/g, '');
            // Container paths (PATH, HOME, venvs under /opt) would mislead a run on the host.
            if (/^(PATH|HOME|LD_LIBRARY_PATH|PYTHONPATH|VIRTUAL_ENV|JAVA_HOME|GOPATH|CARGO_HOME|RUSTUP_HOME|NVM_DIR)$/.test(k) || val.includes('/') || val.includes('$')) continue;
            env[k] = val;
          }
          return;
        }
        case 'RUN': {
          let body = ins.args.replace(/^(--(mount|network|security)=\S+\s+)+/, '');
          body = execForm(body) ?? body;
          // Which folder of the checkout this runs in, when the repository is copied into the image.
          const root = repoRoot ?? (instrs.slice(idx).some((x) => (x.keyword === 'COPY' || x.keyword === 'ADD') && /^\.\/?\s/.test(x.args.replace(/^(--\S+\s+)+/, ''))) ? workdir : undefined);
          const cwd = root && (workdir === root || workdir.startsWith(root + '/')) ? workdir.slice(root.length + 1) || undefined : undefined;
          const inRepo = root !== undefined && (workdir === root || workdir.startsWith(root + '/'));
          // Group consecutive parts of the same stage: `apt-get update && apt-get install …` stays one step.
          const groups: { stage: Stage; parts: string[] }[] = [];
          for (const part of runParts(body)) {
            if (isHousekeeping(part)) continue;
            const stage = ciStageOfCommand(part) ?? (groups.length ? groups[groups.length - 1].stage : 'build');
            const last = groups[groups.length - 1];
            if (last && last.stage === stage) last.parts.push(part);
            else groups.push({ stage, parts: [part] });
          }
          for (const g of groups) {
            const system = g.stage === 'system';
            if (!system && !inRepo && root === undefined && !/^(pip|npm|yarn|pnpm|python|poetry|uv|cargo|go|mvn|gradle|bundle|composer|make|cmake)/.test(commandWords(g.parts[0])[0] ?? '')) continue;
            out.candidates.push(candidate({
              command: g.parts.join(' && '),
              stage: g.stage,
              file,
              line: ins.line,
              detail: 'dockerfile:RUN',
              confidence: CI_CONFIDENCE.dockerfile,
              cwd: system ? undefined : cwd,
              env: system ? undefined : { ...env },
            }));
          }
          return;
        }
        case 'CMD': {
          if (idx < finalFrom) return;
          const cmd = execForm(ins.args) ?? ins.args;
          if (!cmd || !inRepoAt(repoRoot, workdir)) return;
          out.candidates.push(candidate({ command: cmd, stage: 'run', file, line: ins.line, detail: 'dockerfile:CMD', confidence: CI_CONFIDENCE.dockerfile - 0.2, env: { ...env } }));
          return;
        }
        default:
      }
    });
  }
  return out;
}

function inRepoAt(root: string | undefined, workdir: string): boolean {
  return root !== undefined && (workdir === root || workdir.startsWith(root + '/'));
}
