/**
 * The names this project is published under and the folder it is cloned into, so that
 * instructions meant for users of a release (`pip install <this project>`, `git clone <this repo>`
 * then `cd <repo>`) are recognised and not mistaken for how to build the checkout.
 */
import { basename } from 'node:path';
import type { RepoFs } from '../../repo/repo-fs.js';

export interface ProjectIdentity {
  /** Lower-cased package names (npm, PyPI, crates.io, RubyGems) and the Go module path. */
  packageNames: Set<string>;
  /** Lower-cased folder names a clone of this repository would get. */
  repoNames: Set<string>;
  /**
   * Commands the project itself provides (package.json `bin`, Python console scripts, Cargo
   * binaries, Go `cmd/<name>`, gem executables): a README running them shows how to use the
   * project, not how to build it.
   */
  commandNames?: Set<string>;
}

const LIMIT = 64 * 1024;

export function projectIdentity(fs: RepoFs): ProjectIdentity {
  const packageNames = new Set<string>();
  const repoNames = new Set<string>([basename(fs.root).toLowerCase()]);
  const addPkg = (n: string | undefined) => {
    if (n && /^[@\w./-]+$/.test(n)) packageNames.add(n.toLowerCase().replace(/_/g, '-'));
  };

  const commandNames = new Set<string>();
  const addCmd = (n: string | undefined) => {
    if (n && /^[\w.-]+$/.test(n)) commandNames.add(n.toLowerCase());
  };

  const pkgJson = fs.readText('package.json', LIMIT);
  if (pkgJson) {
    try {
      const j = JSON.parse(pkgJson) as { name?: unknown; bin?: unknown };
      if (typeof j.name === 'string') addPkg(j.name);
      // `"bin": "cli.js"` installs a command named after the package; an object names them.
      if (typeof j.bin === 'string' && typeof j.name === 'string') addCmd(j.name.split('/').pop());
      else if (j.bin && typeof j.bin === 'object') Object.keys(j.bin).forEach(addCmd);
    } catch { /* malformed manifests are reported by the analysis agent */ }
  }
  const pyproject = fs.readText('pyproject.toml', LIMIT);
  if (pyproject) {
    addPkg(nameIn(section(pyproject, 'project') ?? section(pyproject, 'tool.poetry')));
    for (const body of [section(pyproject, 'project.scripts'), section(pyproject, 'tool.poetry.scripts')]) {
      for (const m of (body ?? '').matchAll(/^\s*["']?([\w.-]+)["']?\s*=/gm)) addCmd(m[1]);
    }
  }
  const setupCfg = fs.readText('setup.cfg', LIMIT);
  if (setupCfg) {
    addPkg(/^name\s*=\s*(\S+)/m.exec(section(setupCfg, 'metadata') ?? '')?.[1]);
    const scripts = /console_scripts\s*=\s*((?:\n[ \t]+.*)+)/.exec(section(setupCfg, 'options.entry_points') ?? '')?.[1];
    for (const m of (scripts ?? '').matchAll(/^\s*([\w.-]+)\s*=/gm)) addCmd(m[1]);
  }
  const setupPy = fs.readText('setup.py', LIMIT);
  if (setupPy) {
    addPkg(/\bname\s*=\s*["']([^"']+)["']/.exec(setupPy)?.[1]);
    const scripts = /console_scripts['"]\s*:\s*\[([^\]]*)\]/.exec(setupPy)?.[1];
    for (const m of (scripts ?? '').matchAll(/["']\s*([\w.-]+)\s*=/g)) addCmd(m[1]);
  }
  const cargo = fs.readText('Cargo.toml', LIMIT);
  if (cargo) {
    const name = nameIn(section(cargo, 'package'));
    addPkg(name);
    if (fs.isFile('src/main.rs')) addCmd(name);
    for (const m of cargo.matchAll(/^\[\[bin\]\]\s*\n(?:[^[]*?\n)?\s*name\s*=\s*["']([^"']+)["']/gm)) addCmd(m[1]);
  }
  const gomod = fs.readText('go.mod', LIMIT);
  const mod = gomod ? /^module\s+(\S+)/m.exec(gomod)?.[1] : undefined;
  if (mod) {
    packageNames.add(mod.toLowerCase());
    repoNames.add(mod.split('/').pop()!.toLowerCase());
    if (fs.isFile('main.go')) addCmd(mod.split('/').pop());
    for (const e of fs.list('cmd')) if (e.dir) addCmd(e.name);
  }
  const pom = fs.readText('pom.xml', LIMIT);
  // The project's own artifactId comes after the <parent> block, if any.
  if (pom) addPkg(/<artifactId>([^<]+)<\/artifactId>/.exec(pom.replace(/<parent>[\s\S]*?<\/parent>/, ''))?.[1]);
  const settings = fs.readText('settings.gradle', LIMIT) ?? fs.readText('settings.gradle.kts', LIMIT);
  if (settings) addPkg(/rootProject\.name\s*=\s*["']([^"']+)["']/.exec(settings)?.[1]);
  const composer = fs.readText('composer.json', LIMIT);
  if (composer) {
    try {
      const j = JSON.parse(composer) as { name?: unknown };
      if (typeof j.name === 'string') { addPkg(j.name); addPkg(j.name.split('/').pop()); }
    } catch { /* reported by the analysis agent */ }
  }
  for (const e of fs.list('.')) {
    if (!e.file || !e.name.endsWith('.gemspec')) continue;
    addPkg(e.name.replace(/\.gemspec$/, ''));
    const spec = fs.readText(e.name, LIMIT) ?? '';
    const list = /\.executables\s*=\s*(?:%w[[(]([^\])]*)[\])]|\[([^\]]*)\])/.exec(spec);
    for (const n of (list?.[1] ?? list?.[2] ?? '').split(/[\s,'"]+/)) addCmd(n);
  }

  // The remote in .git/config names the repository even when the folder was renamed.
  const gitConfig = fs.readText('.git/config', LIMIT);
  const url = gitConfig ? /\[remote "origin"\][^[]*?url\s*=\s*(\S+)/s.exec(gitConfig)?.[1] : undefined;
  if (url) repoNames.add(repoNameFromUrl(url));
  for (const n of packageNames) repoNames.add(n.split('/').pop()!);
  return { packageNames, repoNames, commandNames };
}

/** The body of an INI/TOML section: from its `[header]` line to the next header line. */
function section(text: string, header: string): string | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `[${header}]`);
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && !/^\[[^\]]+\]\s*$/.test(lines[end].trim())) end++;
  return lines.slice(start + 1, end).join('\n');
}

function nameIn(body: string | undefined): string | undefined {
  return body ? /^name\s*=\s*["']([^"']+)["']/m.exec(body)?.[1] : undefined;
}

export function repoNameFromUrl(url: string): string {
  return url.replace(/[?#].*$/, '').replace(/\/+$/, '').replace(/\.git$/, '').split(/[/:]/).pop()!.toLowerCase();
}
