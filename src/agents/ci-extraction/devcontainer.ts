/**
 * Dev containers: `onCreateCommand`, `updateContentCommand`, `postCreateCommand` (string, array or
 * object of named commands), the image and features as toolchain hints. devcontainer.json is JSON
 * with comments and trailing commas.
 */
import type { RepoFs } from '../../repo/repo-fs.js';
import { candidate, CI_CONFIDENCE, decideStage, emptyFindings, type CiFindings } from './common.js';
import { toolchainOfImage } from './images.js';

/** Strip `//` and `/* *\/` comments and trailing commas outside strings, keeping line breaks. */
export function stripJsonc(text: string): string {
  let out = '';
  let i = 0;
  let inString = false;
  while (i < text.length) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') { out += text[i + 1] ?? ''; i += 2; continue; }
      if (c === '"') inString = false;
      i++;
      continue;
    }
    if (c === '"') { inString = true; out += c; i++; continue; }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const chunk = text.slice(i, end < 0 ? text.length : end + 2);
      out += chunk.replace(/[^\n]/g, ' ');
      i += chunk.length;
      continue;
    }
    out += c;
    i++;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

export function devcontainerFiles(fs: RepoFs): string[] {
  const files: string[] = [];
  if (fs.isFile('.devcontainer/devcontainer.json')) files.push('.devcontainer/devcontainer.json');
  if (fs.isFile('.devcontainer.json')) files.push('.devcontainer.json');
  for (const e of fs.list('.devcontainer')) {
    if (e.dir && !e.symlink && fs.isFile(`.devcontainer/${e.name}/devcontainer.json`)) files.push(`.devcontainer/${e.name}/devcontainer.json`);
  }
  return files.slice(0, 4);
}

const LIFECYCLE = ['onCreateCommand', 'updateContentCommand', 'postCreateCommand'] as const;

const shellQuote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

const FEATURE_LANGS: [RegExp, string][] = [
  [/\/node:\d*$|\/node$/, 'node'], [/\/python:\d*$|\/python$/, 'python'], [/\/go:\d*$|\/go$/, 'go'], [/\/java:\d*$|\/java$/, 'java'],
  [/\/rust:\d*$|\/rust$/, 'rust'], [/\/ruby:\d*$|\/ruby$/, 'ruby'], [/\/dotnet:\d*$|\/dotnet$/, 'dotnet'], [/\/php:\d*$|\/php$/, 'php'],
];

export function extractDevcontainer(fs: RepoFs): CiFindings {
  const out = emptyFindings();
  for (const file of devcontainerFiles(fs)) {
    const r = fs.read(file, 128 * 1024);
    if (!r) continue;
    let json: Record<string, unknown>;
    try {
      const parsed = JSON.parse(stripJsonc(r.text)) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected an object at the top');
      json = parsed as Record<string, unknown>;
    } catch (e) {
      out.warnings.push(`${file} is not valid JSON with comments (${(e as Error).message}); skipped`);
      continue;
    }
    const lineOfKey = (key: string, from = 0): number => {
      const idx = r.text.indexOf(`"${key}"`, from);
      return idx < 0 ? 1 : r.text.slice(0, idx).split('\n').length;
    };
    if (typeof json.image === 'string') {
      const tc = toolchainOfImage(json.image);
      if (tc) out.toolchains.push({ ...tc, source: { kind: 'ci', file, line: lineOfKey('image'), detail: 'devcontainer:image' } });
    }
    if (json.features && typeof json.features === 'object') {
      for (const [id, opts] of Object.entries(json.features as Record<string, unknown>)) {
        const lang = FEATURE_LANGS.find(([re]) => re.test(id))?.[1];
        const version = typeof opts === 'string' ? opts : (opts as { version?: unknown } | null)?.version;
        if (lang && typeof version === 'string' && version !== 'latest' && version !== 'none') {
          out.toolchains.push({ language: lang, version, source: { kind: 'ci', file, line: lineOfKey(id), detail: 'devcontainer:features' } });
        }
      }
    }
    const wsFolder = typeof json.workspaceFolder === 'string' ? json.workspaceFolder : undefined;
    for (const key of LIFECYCLE) {
      const v = json[key];
      if (v === undefined) continue;
      const keyLine = lineOfKey(key);
      const commands: { name?: string; command: string; line: number }[] = [];
      const one = (x: unknown, name?: string): string | undefined =>
        typeof x === 'string' ? x : Array.isArray(x) && x.every((a) => typeof a === 'string') ? (x as string[]).map(shellQuote).join(' ') : undefined;
      if (typeof v === 'string' || Array.isArray(v)) {
        const c = one(v);
        if (c) commands.push({ command: c, line: keyLine });
      } else if (v && typeof v === 'object') {
        const keyIdx = r.text.indexOf(`"${key}"`);
        for (const [name, x] of Object.entries(v as Record<string, unknown>)) {
          const c = one(x, name);
          if (c) commands.push({ name, command: c, line: lineOfKey(name, keyIdx) });
        }
      }
      for (const c of commands) {
        const command = wsFolder ? c.command.split(wsFolder + '/').join('').split(wsFolder).join('.') : c.command;
        out.candidates.push(candidate({
          command: command.replace(/\$\{containerWorkspaceFolder\}\/?/g, (m) => (m.endsWith('/') ? '' : '.')),
          stage: decideStage(command, c.name, 'install'),
          file,
          line: c.line,
          detail: `devcontainer:${key}${c.name ? `/${c.name}` : ''}`,
          confidence: CI_CONFIDENCE.devcontainer,
        }));
      }
    }
  }
  return out;
}
