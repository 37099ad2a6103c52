/**
 * tox and nox: the test environments Python projects define. tox.ini (or `legacy_tox_ini` in
 * pyproject.toml) gives `tox -e py` plus the default testenv's commands and deps; noxfile.py gives
 * `nox -s <session>` for each session.
 */
import type { RepoFs } from '../../repo/repo-fs.js';
import type { Stage } from '../../protocol/plan.js';
import { parse as parseToml } from 'smol-toml';
import { candidate, CI_CONFIDENCE, emptyFindings, type CiFindings } from './common.js';

interface IniValue { value: string; line: number; lines: { text: string; line: number }[] }
type Ini = Map<string, { line: number; keys: Map<string, IniValue> }>;

/** tox's INI dialect: `key = value` with indented continuation lines, `#`/`;` comments. */
export function parseIni(text: string, lineOffset = 0): Ini {
  const sections: Ini = new Map();
  let section: { line: number; keys: Map<string, IniValue> } | undefined;
  let last: IniValue | undefined;
  text.split('\n').forEach((raw, i) => {
    const l = raw.replace(/\r$/, '');
    const line = i + 1 + lineOffset;
    if (/^\s*[#;]/.test(l)) return;
    const sec = /^\[([^\]]+)\]\s*$/.exec(l);
    if (sec) {
      section = { line, keys: new Map() };
      sections.set(sec[1].trim(), section);
      last = undefined;
      return;
    }
    if (!section) return;
    if (/^\s+\S/.test(l) && last) {
      last.lines.push({ text: l.trim(), line });
      last.value += '\n' + l.trim();
      return;
    }
    const kv = /^([\w.-]+)\s*[=:]\s*(.*)$/.exec(l);
    if (kv) {
      last = { value: kv[2].trim(), line, lines: kv[2].trim() ? [{ text: kv[2].trim(), line }] : [] };
      section.keys.set(kv[1], last);
    } else if (!l.trim()) {
      // blank lines do not end a multi-line value in tox, but they carry nothing
    } else last = undefined;
  });
  return sections;
}

/** tox substitutions, resolved the way a plain shell in the checkout would see them. */
function toxSubst(s: string, ini: Ini): string {
  return s
    .replace(/\{posargs(?::([^}]*))?\}/g, (_, d: string | undefined) => d ?? '')
    .replace(/\{env:([A-Za-z_]\w*)(?::([^}]*))?\}/g, (_, n: string, d: string | undefined) => d ?? `$${n}`)
    .replace(/\{(toxinidir|tox_root)\}\/?/g, (m) => (m.endsWith('/') ? '' : '.'))
    .replace(/\{envpython\}/g, 'python')
    .replace(/\{envbindir\}\/?/g, '')
    .replace(/\{envsitepackagesdir\}/g, '$(python -c "import sysconfig; print(sysconfig.get_paths()[\'purelib\'])")')
    .replace(/\{\[([^\]]+)\]([\w-]+)\}/g, (m, sec: string, key: string) => ini.get(sec)?.keys.get(key)?.value.replace(/\n/g, ' ') ?? m)
    .replace(/\s+/g, ' ')
    .trim();
}

export function extractTox(fs: RepoFs): CiFindings {
  const out = emptyFindings();
  let file = 'tox.ini';
  let text = fs.readText(file, 128 * 1024);
  let offset = 0;
  if (text === undefined) {
    const py = fs.readText('pyproject.toml', 256 * 1024);
    const m = py ? /legacy_tox_ini\s*=\s*("""|''')([\s\S]*?)\1/.exec(py) : null;
    if (!m || !py) return extractToxToml(fs, out);
    file = 'pyproject.toml';
    offset = py.slice(0, m.index).split('\n').length - 1;
    text = m[2];
    if (text.startsWith('\n')) { text = text.slice(1); offset += 1; }
  }
  const ini = parseIni(text, offset);
  const tox = ini.get('tox') ?? ini.get('tox:tox');
  const testenv = ini.get('testenv');
  if (!tox && !testenv) return out;
  const envlist = (tox?.keys.get('envlist') ?? tox?.keys.get('env_list'))?.value.split(/[\s,]+/).filter(Boolean) ?? [];
  const line = testenv?.line ?? tox?.line ?? 1;
  out.candidates.push(candidate({
    command: 'tox -e py', stage: 'test', file, line, detail: 'tox:testenv', confidence: CI_CONFIDENCE.tox,
    context: envlist.length ? `envlist: ${envlist.join(', ')}` : undefined,
  }));
  if (!testenv) return out;

  // Only lines for every environment: factor-conditional ones ("lint: flake8") belong to others.
  const unconditional = (t: string) => !/^[\w,{}.-]+:\s/.test(t) || /^py[\w]*:\s/.test(t);
  const stripFactor = (t: string) => t.replace(/^py[\w]*:\s*/, '');

  const deps = testenv.keys.get('deps');
  if (deps) {
    const items = deps.lines.map((l) => l.text).filter(unconditional).map(stripFactor).map((d) => toxSubst(d, ini)).filter(Boolean);
    if (items.length) {
      const args = items.map((d) => (/^-[rce]\s/.test(d) ? d : /[\s<>|&;'"]/.test(d) && !/^-/.test(d) ? `'${d}'` : d));
      out.candidates.push(candidate({
        command: `python -m pip install ${args.join(' ')}`, stage: 'install', file, line: deps.line, detail: 'tox:testenv:deps',
        confidence: CI_CONFIDENCE.tox - 0.15,
      }));
    }
  }
  const commands = testenv.keys.get('commands');
  for (const c of commands?.lines ?? []) {
    if (!unconditional(c.text)) continue;
    const cmd = toxSubst(stripFactor(c.text).replace(/^-\s*/, ''), ini);
    if (!cmd) continue;
    out.candidates.push(candidate({
      command: cmd, stage: 'test', file, line: c.line, detail: 'tox:testenv:commands', confidence: CI_CONFIDENCE.tox - 0.1,
    }));
  }
  return out;
}

type TomlArg = string | { replace?: string; default?: unknown; name?: string };

/** One tox 4 TOML command (`["pytest", { replace = "posargs", default = ["tests"] }]`) as shell text. */
function tomlCommand(cmd: unknown): string | undefined {
  if (!Array.isArray(cmd)) return undefined;
  const words: string[] = [];
  for (const a of cmd as TomlArg[]) {
    if (typeof a === 'string') words.push(a);
    else if (a && typeof a === 'object' && a.replace === 'posargs') {
      if (Array.isArray(a.default)) words.push(...a.default.filter((x): x is string => typeof x === 'string'));
    } else if (a && typeof a === 'object' && a.replace === 'env' && typeof a.name === 'string') {
      words.push(typeof a.default === 'string' ? a.default : `$${a.name}`);
    } else return undefined;
  }
  const quoted = words.map((w) => w.replace(/\{(toxinidir|tox_root)\}/g, '.').replace(/\{envpython\}/g, 'python'))
    .map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`));
  return quoted.length ? quoted.join(' ') : undefined;
}

/** tox 4 native TOML configuration: tox.toml, or [tool.tox] in pyproject.toml. */
function extractToxToml(fs: RepoFs, out: CiFindings): CiFindings {
  let file = 'tox.toml';
  let text = fs.readText(file, 128 * 1024);
  let conf: Record<string, unknown> | undefined;
  try {
    if (text !== undefined) conf = parseToml(text) as Record<string, unknown>;
    else {
      file = 'pyproject.toml';
      text = fs.readText(file, 256 * 1024);
      if (text === undefined || !/^\[tool\.tox/m.test(text)) return out;
      conf = ((parseToml(text) as { tool?: { tox?: Record<string, unknown> } }).tool?.tox);
    }
  } catch (e) {
    out.warnings.push(`${file} is not valid TOML (${(e as Error).message.split('\n')[0]}); its tox configuration was skipped`);
    return out;
  }
  if (!conf || !text) return out;
  const src = text;
  const lineOf = (re: RegExp, from = 0): number => {
    const idx = src.slice(from).search(re);
    return idx < 0 ? 1 : src.slice(0, from + idx).split('\n').length;
  };
  const envList = Array.isArray(conf.env_list) ? conf.env_list.filter((x): x is string => typeof x === 'string') : [];
  const base = conf.env_run_base as { commands?: unknown; deps?: unknown } | undefined;
  const baseAt = Math.max(0, src.search(/^\[(tool\.tox\.)?env_run_base\]/m));
  out.candidates.push(candidate({
    command: 'tox -e py', stage: 'test', file, line: src.search(/^\[(tool\.tox\.)?env_run_base\]/m) >= 0 ? lineOf(/^\[(tool\.tox\.)?env_run_base\]/m) : lineOf(/^\[tool\.tox\]|^env_list/m), detail: 'tox:env_run_base',
    confidence: CI_CONFIDENCE.tox, context: envList.length ? `env_list: ${envList.join(', ')}` : undefined,
  }));
  const deps = Array.isArray(base?.deps) ? base.deps.filter((x): x is string => typeof x === 'string') : [];
  if (deps.length) {
    out.candidates.push(candidate({
      command: `python -m pip install ${deps.map((d) => (/^[\w@%+=:,./-]+$/.test(d) ? d : `'${d}'`)).join(' ')}`, stage: 'install', file,
      line: lineOf(/^deps\s*=/m, baseAt), detail: 'tox:env_run_base:deps', confidence: CI_CONFIDENCE.tox - 0.15,
    }));
  }
  const commands = Array.isArray(base?.commands) ? base.commands : [];
  for (const c of commands) {
    const cmd = tomlCommand(c);
    if (cmd) out.candidates.push(candidate({ command: cmd, stage: 'test', file, line: lineOf(/^commands\s*=/m, baseAt), detail: 'tox:env_run_base:commands', confidence: CI_CONFIDENCE.tox - 0.1 }));
  }
  return out;
}

/** nox sessions: `@nox.session(...)` (or `@session`) above `def name(session)`, `name=` overriding. */
export function parseNoxSessions(text: string): { name: string; line: number }[] {
  const lines = text.split('\n');
  const sessions: { name: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*@(nox\.)?session\b/.test(lines[i])) continue;
    const start = i;
    let deco = lines[i];
    let j = i + 1;
    while (j < lines.length && !/^\s*(async\s+)?def\s/.test(lines[j]) && j - i < 30) deco += ' ' + lines[j++];
    const def = /^\s*(?:async\s+)?def\s+(\w+)\s*\(/.exec(lines[j] ?? '');
    if (!def) continue;
    const named = /\bname\s*=\s*["']([^"']+)["']/.exec(deco);
    sessions.push({ name: named?.[1] ?? def[1], line: start + 1 });
    i = j;
  }
  return sessions;
}

export function extractNox(fs: RepoFs): CiFindings {
  const out = emptyFindings();
  const file = 'noxfile.py';
  const text = fs.readText(file, 256 * 1024);
  if (text === undefined) return out;
  for (const s of parseNoxSessions(text)) {
    const n = s.name.toLowerCase();
    let stage: Stage | undefined;
    let delta = 0;
    if (/release|publish|deploy|upload|bump/.test(n)) continue;
    if (/test|unit|integration|pytest|coverage|cover|e2e/.test(n)) stage = 'test';
    else if (/lint|format|fmt|mypy|type|style|pre.?commit|check|ruff|flake|black|pylint/.test(n)) { stage = 'test'; delta = -0.3; }
    else if (/build|docs?|wheel|sdist|package/.test(n)) { stage = 'build'; delta = -0.25; }
    else { stage = 'test'; delta = -0.3; }
    out.candidates.push(candidate({ command: `nox -s ${s.name}`, stage, file, line: s.line, detail: `nox:${s.name}`, confidence: CI_CONFIDENCE.nox + delta }));
  }
  return out;
}
