/** Toolchain versions from the files CI setup actions read (`.nvmrc`, `.python-version`, go.mod…). */
import type { RepoFs } from '../../repo/repo-fs.js';

const LIMIT = 64 * 1024;

export function versionFromFile(fs: RepoFs, path: string, language: string): string | undefined {
  const rel = path.replace(/^\.\/+/, '');
  const text = fs.readText(rel, LIMIT);
  if (text === undefined) return undefined;
  const name = rel.split('/').pop() ?? rel;
  if (name === 'package.json') {
    try {
      const j = JSON.parse(text) as { volta?: { node?: string }; engines?: { node?: string } };
      return j.volta?.node ?? j.engines?.node;
    } catch {
      return undefined;
    }
  }
  if (name === 'go.mod') {
    return /^toolchain\s+go(\S+)/m.exec(text)?.[1] ?? /^go\s+(\d+(?:\.\d+)*)/m.exec(text)?.[1];
  }
  if (name === '.tool-versions') {
    const key = language === 'node' ? 'nodejs' : language === 'go' ? 'golang' : language;
    const m = new RegExp(`^(?:${key}|${language})\\s+(\\S+)`, 'm').exec(text);
    return m?.[1];
  }
  if (name === 'pyproject.toml') return /^requires-python\s*=\s*["']([^"']+)["']/m.exec(text)?.[1];
  if (name === 'global.json') {
    try {
      return (JSON.parse(text) as { sdk?: { version?: string } }).sdk?.version;
    } catch {
      return undefined;
    }
  }
  // .nvmrc, .node-version, .python-version, .ruby-version, .java-version: first non-comment line.
  const line = text.split('\n').map((l) => l.replace(/#.*$/, '').trim()).find(Boolean);
  return line ? line.replace(/^v(?=\d)/, '').replace(/^ruby-/, '') : undefined;
}
