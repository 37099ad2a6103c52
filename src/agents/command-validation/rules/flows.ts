/**
 * Rules about where data goes: downloaded or decoded text run as code (`curl … | sh`,
 * `bash <(curl …)`, `sh -c "$(curl …)"`, `base64 -d | sh`), files downloaded then run, and
 * secrets or environment dumps sent over the network.
 */
import { isDotenv, isSecretPath, pathOf } from '../paths.js';
import { displayPath, resolveAgainst } from '../state.js';
import { codeWordIndexes, contentSource, DATA_OPTIONS, isSecretVar, isSender, runsStdin, secretSource, unwrapRecord } from '../roles.js';
import { scriptOperand } from '../effects.js';
import type { CmdRecord, WalkResult } from '../walker.js';
import type { ResolvedWord } from '../words.js';
import { block, warn, type Finding } from './finding.js';
import { powerShellFindings } from '../powershell.js';

const sourceKind = contentSource;

function substSource(words: ResolvedWord[]): string | undefined {
  for (const w of words) {
    if (w.taint) return w.taint;
    for (const s of w.substs) {
      const k = sourceKind(s.records);
      if (k) return k;
    }
  }
  return undefined;
}

/** `curl … | sh`, `wget -O- … | sudo bash`, `base64 -d | sh`, `iwr … | iex`. */
export function pipelineCodeRule(walk: WalkResult): Finding[] {
  const out: Finding[] = [];
  for (const stages of walk.pipelines) {
    for (let j = 1; j < stages.length; j++) {
      const runner = stages[j]!.find((r) => !r.inSubst && runsStdin(unwrapRecord(r)));
      if (!runner) continue;
      for (let i = 0; i < j; i++) {
        const src = sourceKind(stages[i]!);
        if (src) {
          const ru = unwrapRecord(runner);
          const via = ru.wrappers.length ? `${ru.wrappers.join(' ')} ${ru.name}` : ru.name;
          out.push(block(`pipes ${src} into ${via}, which runs it as code`));
          break;
        }
      }
    }
  }
  return out;
}

/** `bash <(curl …)`, `sh -c "$(curl …)"`, `eval "$(curl …)"`, `sh < <(curl …)`, `bash <<< "$(curl …)"`. */
export function substitutionCodeRule(rec: CmdRecord): Finding[] {
  const u = unwrapRecord(rec);
  const out: Finding[] = [];
  const idx = codeWordIndexes(u);
  const src = substSource(idx.map((i) => u.core[i]!));
  if (src) out.push(block(`${u.name} runs ${src} as code`));
  if (runsStdin(u) || u.name === 'source' || u.name === '.') {
    for (const r of rec.redirs) {
      const input = r.kind === 'heredoc' ? r.bodyWord : r.kind === 'read' || r.kind === 'herestring' ? r.target : null;
      if (input) {
        const s = substSource([input]);
        if (s) { out.push(block(`${u.name} reads ${s} as code`)); break; }
      }
    }
  }
  return out;
}

/** `curl -o install.sh … && sh install.sh`: warn; the file is run unread. */
export function downloadedRunRule(rec: CmdRecord, downloaded: Set<string>): Finding[] {
  if (!downloaded.size) return [];
  const u = unwrapRecord(rec);
  if (!u.name) return [];
  const candidates: string[] = [];
  if (u.words[0]!.includes('/')) candidates.push(u.words[0]!);
  const script = scriptOperand(u.words);
  if (script && (/^(sh|bash|zsh|dash|ksh|python[0-9.]*|perl|ruby|node|php)$/.test(u.name) || u.name === 'source' || u.name === '.')) candidates.push(script);
  if ((u.name === 'source' || u.name === '.') && u.words[1]) candidates.push(u.words[1]);
  for (const c of candidates) {
    const abs = resolveAgainst(rec.cwd, c);
    if (abs && downloaded.has(abs)) return [warn(`runs ${c}, a file downloaded just before, without checking it`)];
  }
  return [];
}

/** `env | curl -d @- …`, `cat ~/.ssh/id_rsa | nc host 80`. */
export function pipelineSecretRule(walk: WalkResult, workspace: string): Finding[] {
  const out: Finding[] = [];
  for (const stages of walk.pipelines) {
    let leaked: string | undefined;
    for (let j = 0; j < stages.length; j++) {
      if (leaked) {
        const sender = stages[j]!.find((r) => isSender(unwrapRecord(r)));
        if (sender) { out.push(block(`sends ${leaked} over the network (${unwrapRecord(sender).name})`)); break; }
      }
      for (const r of stages[j]!) {
        const s = secretSource(r, unwrapRecord(r), workspace);
        if (s) { leaked = s; break; }
      }
    }
  }
  return out;
}

/** A network command whose own words or input carry secrets. */
export function senderSecretRule(rec: CmdRecord, workspace: string): Finding[] {
  const u = unwrapRecord(rec);
  if (!isSender(u)) return [];
  const out: Finding[] = [];
  const name = u.name;
  const w = u.words;
  for (let i = 1; i < w.length; i++) {
    const word = u.core[i]!;
    const prev = w[i - 1]!;
    const isHeader = prev === '-H' || prev === '--header' || prev === '-u' || prev === '--user' || prev === '--oauth2-bearer' || /^(-H|--header=)/.test(w[i]!) && w[i]!.length > 2;
    // secrets in the body, the URL or a socket payload (headers are how APIs authenticate: allowed)
    const secretVar = word.vars.find((v) => isSecretVar(v));
    if (secretVar && !isHeader) { out.push(block(`sends $${secretVar} over the network (${name} ${shortWord(word)})`)); continue; }
    for (const s of word.substs) {
      const leak = s.records.map((r) => secretSource(r, unwrapRecord(r), workspace)).find(Boolean);
      if (leak) { out.push(block(`sends ${leak} over the network (${name})`)); break; }
    }
    // @file bodies: curl -d @~/.ssh/id_rsa, -F key=@file, -T file
    const isData = DATA_OPTIONS.includes(prev) || DATA_OPTIONS.some((o) => o.startsWith('--') && w[i]!.startsWith(o + '='));
    if (isData) {
      const raw = w[i]!.includes('=') && w[i]!.startsWith('--') ? w[i]!.slice(w[i]!.indexOf('=') + 1) : w[i]!;
      const at = raw.lastIndexOf('@');
      const file = prev === '-T' || prev === '--upload-file' || prev === '--post-file' || prev === '--body-file' ? raw : at >= 0 ? raw.slice(at + 1).replace(/;.*$/, '') : undefined;
      if (file && file !== '-') {
        const info = pathOf({ ...word, text: file, known: true, knownPrefix: file }, rec.cwd, workspace);
        if (info && (isSecretPath(info.abs) || isDotenv(info.abs))) out.push(block(`sends ${displayPath(info.abs, workspace)} over the network (${name})`));
      }
    }
  }
  if (name === 'scp' || name === 'rsync' || name === 'sftp') {
    for (let i = 1; i < w.length - 1; i++) {
      const info = pathOf(u.core[i]!, rec.cwd, workspace);
      if (info && isSecretPath(info.abs) && /^[^/]*:/.test(w[w.length - 1]!)) out.push(block(`copies ${displayPath(info.abs, workspace)} to another machine (${name})`));
    }
  }
  for (const r of rec.redirs) {
    if (r.kind === 'read' && r.target) {
      const info = pathOf(r.target, rec.cwd, workspace);
      if (info && isSecretPath(info.abs)) out.push(block(`sends ${displayPath(info.abs, workspace)} over the network (${name})`));
    }
    if ((r.kind === 'herestring' || r.kind === 'heredoc') && r.target) {
      const v = r.target.vars.find((x) => isSecretVar(x));
      if (v) out.push(block(`sends $${v} over the network (${name})`));
    }
  }
  return out;
}

function shortWord(w: ResolvedWord): string {
  return w.source.length > 40 ? w.source.slice(0, 37) + '…' : w.source;
}

/**
 * Inline programs that fetch code and run it: `python -c "exec(urlopen(…).read())"`,
 * `node -e "…eval(…https.get…)"`, `pwsh -c "iex (iwr …)"`. Judged on the resolved code text.
 */
const INLINE_FETCH_EXEC: { name: RegExp; run: RegExp; fetch: RegExp }[] = [
  { name: /^(python[0-9.]*|pypy[0-9.]*)$/, run: /\b(exec|eval)\s*\(|__import__\(['"]os['"]\)\.system|subprocess\./, fetch: /urlopen|urllib|requests\.(get|post)|http\.client|urlretrieve|httpx\./ },
  { name: /^(node|nodejs|deno|bun)$/, run: /\beval\s*\(|new Function\b|child_process|\bvm\.run/, fetch: /require\(['"]https?['"]\)|https?\.get|\bfetch\(|axios|\brequest\(/ },
  { name: /^perl[0-9.]*$/, run: /\beval\b|\bsystem\b|`/, fetch: /LWP|HTTP::Tiny|IO::Socket|\bget\(/ },
  { name: /^ruby[0-9.]*$/, run: /\beval\b|\bsystem\b|`|instance_eval/, fetch: /open-uri|Net::HTTP|URI\.open|open\(['"]https?:/ },
  { name: /^php[0-9.]*$/, run: /\beval\s*\(|\bsystem\s*\(|shell_exec|passthru/, fetch: /file_get_contents\(['"]https?:|curl_exec|fopen\(['"]https?:/ },
];

export function inlineProgramRule(rec: CmdRecord): Finding[] {
  const u = unwrapRecord(rec);
  if (!u.name) return [];
  const codes = codeWordIndexes(u).map((i) => u.core[i]!).filter((w) => w.known && /^-[a-zA-Z]*[ceE]$|^--eval$|^-Command$/i.test(u.words[u.core.indexOf(w) - 1] ?? ''));
  if (!codes.length) return [];
  const lower = u.name.toLowerCase();
  if (lower === 'pwsh' || lower === 'powershell' || lower === 'powershell.exe') return codes.flatMap((c) => powerShellFindings(c.text));
  const rule = INLINE_FETCH_EXEC.find((r) => r.name.test(u.name));
  if (!rule) return [];
  for (const c of codes) {
    if (rule.run.test(c.text) && rule.fetch.test(c.text)) return [block(`${u.name} ${u.words[u.core.indexOf(c) - 1]} downloads code and runs it`)];
  }
  return [];
}
