/**
 * Turns the text of a documentation code block into the commands a person would type: prompts
 * stripped, output lines dropped, comments dropped, `\` continuations joined, heredocs kept whole.
 */
import type { Platform } from '../../protocol/plan.js';

export interface BlockLine {
  text: string;
  /** 1-based line of this text in the file. */
  line: number;
}

export interface BlockCommand {
  command: string;
  /** 1-based line in the file where the command starts. */
  line: number;
  /** Set when the prompt itself shows the platform (`PS C:\>`, `C:\>`). */
  platform?: Platform;
  /** Lines without a prompt follow it in a prompted block: what it printed, shown as an example. */
  followedByOutput?: boolean;
}

/** Languages whose blocks are shell commands to run on a Unix-like system. */
export const SHELL_LANGS = new Set([
  'sh', 'bash', 'shell', 'zsh', 'ksh', 'fish', 'console', 'shell-session', 'shellsession', 'sh-session', 'bash-session',
  'terminal', 'command', 'commandline', 'command-line', 'cli', 'cmdline', 'shell-script', 'shellscript', 'posix', 'session',
]);
/** Languages whose blocks are Windows commands. */
export const WINDOWS_LANGS = new Set(['powershell', 'ps', 'ps1', 'pwsh', 'posh', 'bat', 'batch', 'cmd', 'dos', 'doscon', 'winbatch', 'ps1con', 'pscon']);
/** Languages that say nothing; the lines themselves decide. */
export const UNKNOWN_LANGS = new Set(['', 'text', 'txt', 'plain', 'plaintext', 'none', 'nohighlight', 'no-highlight', 'default', 'code', 'raw', 'output']);
/** Console-style languages, where `# ` is the root prompt rather than a comment. */
const CONSOLE_LANGS = new Set(['console', 'shell-session', 'shellsession', 'sh-session', 'bash-session', 'terminal', 'session', 'doscon', 'ps1con', 'pscon']);

export type BlockKind = 'shell' | 'windows' | 'unknown' | 'other';

export function classifyLang(lang: string | null | undefined): BlockKind {
  const l = (lang ?? '').trim().toLowerCase().replace(/^\{?\.?/, '').replace(/\}$/, '').split(/[\s,{]/)[0];
  if (SHELL_LANGS.has(l)) return 'shell';
  if (WINDOWS_LANGS.has(l)) return 'windows';
  if (UNKNOWN_LANGS.has(l)) return 'unknown';
  return 'other';
}

export function isConsoleLang(lang: string | null | undefined): boolean {
  return CONSOLE_LANGS.has((lang ?? '').trim().toLowerCase().split(/\s/)[0]);
}

interface PromptMatch {
  rest: string;
  platform?: Platform;
}

const UNIX_PROMPTS: RegExp[] = [
  // (venv) user@host:~/dir$ , user@host ~ % , root@host:/# 
  /^\s*(?:\([\w.\- ]+\)\s*)?[\w.-]+@[\w.-]+(?::\S*|\s+\S+)?\s*[$#%]\s?/,
  // [user@host dir]$ 
  /^\s*(?:\([\w.\- ]+\)\s*)?\[[^\]\n]*@[^\]\n]*\]\s*[$#]\s?/,
  // (venv) $ , $ , ~/dir $ 
  /^\s*(?:\([\w.\- ]+\)\s*)?(?:[~/][\w./-]*\s)?\$\s/,
  /^\s*(?:\([\w.\- ]+\)\s*)?\$$/,
  // zsh/fancy prompts
  /^\s*%\s/, /^\s*❯\s/, /^\s*➜\s+\S+(?:\s+git:\([^)]*\))?\s+/, /^\s*λ\s/,
];
const WINDOWS_PROMPTS: RegExp[] = [/^\s*PS(?: [A-Za-z]:[^>\n]*)?>\s?/, /^\s*[A-Za-z]:\\[^>\n]*>\s?/];

function matchPrompt(line: string, consoleMode: boolean, gtPrompt = false): PromptMatch | undefined {
  for (const re of WINDOWS_PROMPTS) {
    const m = re.exec(line);
    if (m) return { rest: line.slice(m[0].length), platform: 'windows' };
  }
  for (const re of UNIX_PROMPTS) {
    const m = re.exec(line);
    if (m) return { rest: line.slice(m[0].length) };
  }
  if (gtPrompt && /^\s*>\s/.test(line)) return { rest: line.replace(/^\s*>\s/, '') };
  if (consoleMode && /^\s*#\s/.test(line)) return { rest: line.replace(/^\s*#\s/, '') };
  return undefined;
}

/** Strip a trailing `# comment` that is outside quotes and preceded by whitespace. */
export function stripTrailingComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '\\') { i++; continue; }
    if (c === "'" || c === '"' || c === '`') { quote = c; continue; }
    if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).trimEnd();
  }
  return line;
}

/** Whether the text leaves a quote open (so the next line continues it). */
function opensQuote(text: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '\\') { i++; continue; }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) return false;
    if (c === "'" || c === '"') quote = c;
  }
  return quote !== undefined;
}

const HEREDOC = /<<-?\s*(['"]?)([A-Za-z_][\w-]*)\1/;

/** A line of a drawn folder tree: box-drawing characters or ASCII `|--`, `+--`, `` `-- ``. */
const TREE_LINE = /^\s*([\u2500-\u257F]|[|+`]--|\|\s+[|+`\u2500-\u257F])/;

/**
 * Commands in a block. `consoleMode`: `# ` is a prompt. Lines without a prompt are output when the
 * block uses prompts anywhere.
 */
export function commandsInBlock(lines: BlockLine[], opts: { consoleMode?: boolean; windows?: boolean } = {}): BlockCommand[] {
  const consoleMode = !!opts.consoleMode;
  // `> ` is the prompt when every line uses it, or when the block opens with it and no other
  // prompt appears (`> fd pattern` followed by the files it prints); next to `$ ` lines it is
  // output (npm prints `> pkg@1.0.0 build`) or a continuation prompt.
  const nonBlank = lines.filter((l) => l.text.trim());
  // A folder tree (`├── src`, `|-- lib`) in a shell-labelled block: a picture, no commands, not
  // even its first line (the root folder's name).
  if (nonBlank.filter((l) => TREE_LINE.test(l.text)).length >= 2) return [];
  const unixPrompted = lines.some((l) => matchPrompt(l.text, consoleMode) !== undefined);
  const gtPrompt = nonBlank.length > 0 && (nonBlank.every((l) => /^\s*>\s/.test(l.text)) || (!unixPrompted && /^\s*>\s/.test(nonBlank[0].text)));
  const usesPrompts = gtPrompt || unixPrompted;
  const out: BlockCommand[] = [];
  let cur: BlockCommand | undefined;
  let heredocEnd: string | undefined;
  let continuing = false;

  const finish = () => {
    if (cur) {
      cur.command = cur.command.trim();
      if (cur.command) out.push(cur);
    }
    cur = undefined;
    continuing = false;
  };

  for (const { text: raw, line } of lines) {
    const text = raw.replace(/\r$/, '');
    if (heredocEnd !== undefined && cur) {
      cur.command += '\n' + text;
      if (text.trim() === heredocEnd) { heredocEnd = undefined; finish(); }
      continue;
    }
    let body: string;
    let promptPlatform: Platform | undefined;
    if (continuing && cur) {
      body = text.replace(/^\s*>\s?/, ''); // PS2 prompt on continuation lines
    } else if (usesPrompts) {
      const m = matchPrompt(text, consoleMode, gtPrompt);
      if (!m) { // output line
        finish();
        if (text.trim() && out.length) out[out.length - 1].followedByOutput = true;
        continue;
      }
      finish();
      body = m.rest;
      promptPlatform = m.platform;
    } else {
      finish();
      body = text;
    }
    const trimmed = body.trim();
    if (!continuing) {
      if (!trimmed) continue;
      if (trimmed.startsWith('#') || trimmed.startsWith('//') || /^rem\s/i.test(trimmed) || trimmed.startsWith('::')) continue;
      if (/^(>>>|\.\.\.)\s/.test(trimmed)) continue; // Python REPL inside a shell session
      if (TREE_LINE.test(trimmed)) continue;
      cur = { command: '', line, platform: promptPlatform ?? (opts.windows ? 'windows' : undefined) };
    }
    if (!cur) continue;
    const insideQuote = cur.command !== '' && opensQuote(cur.command);
    if (continuing && !insideQuote && (trimmed.startsWith('#') || !trimmed)) {
      if (!trimmed) { finish(); continue; }
      continue; // comment between continued lines
    }
    // Inside an open quote the text is literal: no comment stripping, newline kept.
    let piece = (insideQuote ? body : stripTrailingComment(body)).trimEnd();
    const backslash = /(^|[^\\])\\$/.test(piece);
    const backtick = !!opts.windows && /\s`$/.test(piece);
    if (backslash) piece = piece.slice(0, -1).trimEnd();
    if (backtick) piece = piece.slice(0, -1).trimEnd();
    cur.command += cur.command ? (insideQuote ? '\n' + piece : ' ' + piece.trimStart()) : piece.trimStart();
    const quoteOpen = opensQuote(cur.command);
    const hd = HEREDOC.exec(piece);
    if (hd) {
      heredocEnd = hd[2];
      continuing = false;
      continue;
    }
    continuing = backslash || backtick || quoteOpen || /(&&|\|\||\|)\s*$/.test(piece);
    if (!continuing) finish();
  }
  finish();
  return out;
}

/**
 * The block defines shell functions (`_fzf_comprun() {`, fish's `function name`): a snippet for a
 * shell's startup file, to paste rather than run line by line.
 */
export function definesShellFunctions(lines: BlockLine[]): boolean {
  return lines.some((l) => /^\s*(function\s+[\w.:-]+(\s*\(\))?\s*(\{\s*)?$|[\w.:-]+\s*\(\)\s*\{?\s*$)/.test(l.text));
}

/** Words that begin shell commands; used to recognise unlabeled blocks as shell. */
const COMMAND_WORDS = new Set([
  'apt', 'apt-get', 'yum', 'dnf', 'apk', 'pacman', 'zypper', 'brew', 'port', 'snap', 'sudo', 'su', 'npm', 'npx', 'yarn', 'pnpm', 'bun',
  'node', 'deno', 'pip', 'pip3', 'pipx', 'python', 'python3', 'py', 'poetry', 'pdm', 'uv', 'hatch', 'pipenv', 'conda', 'mamba', 'tox',
  'nox', 'pytest', 'virtualenv', 'source', 'export', 'cd', 'mkdir', 'git', 'make', 'cmake', 'ninja', 'meson', 'cargo', 'rustup', 'go',
  'mvn', 'gradle', './gradlew', './mvnw', 'java', 'bundle', 'gem', 'rake', 'rails', 'ruby', 'composer', 'php', 'dotnet', 'docker',
  'docker-compose', 'podman', 'curl', 'wget', 'tar', 'unzip', 'cp', 'mv', 'rm', 'ln', 'chmod', 'echo', 'cat', 'ls', 'touch', 'bash',
  'sh', 'zsh', './configure', 'autoreconf', 'ctest', 'bazel', 'mix', 'stack', 'cabal', 'swift', 'flutter', 'dart', 'choco', 'winget',
  'scoop', 'nvm', 'pyenv', 'rbenv', 'asdf', 'jest', 'vitest', 'mocha', 'tsc', 'flask', 'uvicorn', 'gunicorn', 'jupyter', 'just',
  'set', 'setx', 'powershell', 'pwsh', 'corepack', 'lerna', 'nx', 'turbo', 'kubectl', 'helm', 'terraform', 'ansible', 'vagrant',
  'ldconfig', 'dpkg', 'rpm', 'systemctl', 'service', 'env', 'nix', 'nix-shell', 'direnv', 'pre-commit', 'sbt', 'lein', 'elixir',
]);

/** Whether a word is a well-known command (package managers, build tools, shell builtins…). */
export function isKnownCommandWord(word: string): boolean {
  return COMMAND_WORDS.has(word);
}

/** The first word of a line after stripping a prompt, for recognising shell-looking lines. */
export function looksLikeCommandLine(text: string): boolean {
  const t = text.trim().replace(/^\$\s+/, '');
  if (!t || t.startsWith('#')) return false;
  const first = t.split(/\s+/)[0];
  if (COMMAND_WORDS.has(first)) return !/[:=]$/.test(first) && !/^[A-Za-z_]+\s*[:=]\s*[{[]/.test(t);
  if (/^\.{1,2}\/[\w./-]+$/.test(first) || /^(scripts?|bin|tools)\/[\w./-]+$/.test(first)) return true;
  if (/^[A-Z_][A-Z0-9_]*=\S*$/.test(first) && t.includes(' ')) return true;
  return false;
}

/** Whether an unlabeled block holds shell commands: a prompt anywhere, or mostly command lines. */
export function looksLikeShellBlock(lines: BlockLine[], consoleMode = false): boolean {
  const body = lines.map((l) => l.text).filter((t) => t.trim() && !t.trim().startsWith('#'));
  if (body.length === 0) return false;
  if (body.some((t) => /^\s*(>>>|In \[\d+\]:)/.test(t))) return false; // Python REPL / IPython session
  if (body.some((t) => /^\s*(\$|PS [A-Za-z]:.*>|[A-Za-z]:\\.*>)\s/.test(t) || /^\s*[\w.-]+@[\w.-]+(:\S*)?\s*[$#]\s/.test(t))) return true;
  if (consoleMode && body.some((t) => /^\s*#\s/.test(t))) return true;
  // csh/zsh-style `% make`: a prompt only when a command follows it.
  if (body.some((t) => /^\s*%\s/.test(t) && looksLikeCommandLine(t.replace(/^\s*%\s+/, '')))) return true;
  const cmds = body.filter(looksLikeCommandLine).length;
  return looksLikeCommandLine(body[0]) && cmds / body.length >= 0.5;
}
