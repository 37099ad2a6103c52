/**
 * What a command does to the shell and the file system that later commands depend on: the
 * working directory, an activated virtualenv, files and folders it creates or downloads, tools
 * it installs — and the files it needs that must already exist.
 */
import { posix } from 'node:path';
import type { CmdRecord } from './walker.js';
import { baseName } from './walker.js';
import { HOME, isWithin, resolveAgainst, type ShellState } from './state.js';
import { operands, optionValue, unwrap } from './unwrap.js';

const INTERPRETERS_WITH_SCRIPT = /^(python[0-9.]*|pypy[0-9.]*|bash|sh|zsh|dash|node|nodejs|ruby|perl|php|Rscript|lua|tclsh)$/;

export function applyEffects(rec: CmdRecord, state: ShellState, needs: Set<string>): void {
  if (!rec.argv.length) {
    for (const r of rec.redirs) if ((r.kind === 'write' || r.kind === 'append') && r.target?.known) create(state, r.target.text);
    return;
  }
  const u = unwrap(rec.argv);
  const w = u.words;
  const name = u.name;
  const cwd = state.cwd;
  const need = (p: string | undefined): void => {
    if (!p) return;
    const abs = resolveAgainst(cwd, p);
    if (!abs || !isWithin(abs, state.workspace) || abs === state.workspace) return;
    for (const c of state.created) if (isWithin(abs, c)) return;
    needs.add(abs);
  };
  const created = (p: string | undefined): void => { if (p) create(state, p); };

  for (const r of rec.redirs) {
    if ((r.kind === 'write' || r.kind === 'append') && r.target?.known) created(r.target.text);
    if (r.kind === 'read' && r.target?.known) need(r.target.text);
  }
  if (!name) return;

  // commands run by path (`./configure`, `.venv/bin/pip`) must exist
  if (w[0]!.includes('/') && !w[0]!.startsWith('/')) need(w[0]);

  switch (name) {
    case 'cd': case 'pushd': {
      const arg = u.core.slice(1).find((x) => !x.text.startsWith('-') || x.text === '-');
      if (name === 'pushd') state.dirStack.push(state.cwd);
      if (!arg) { state.cwd = HOME; return; }
      if (!arg.known || arg.text === '-') { state.cwd = null; return; }
      need(arg.text);
      state.cwd = resolveAgainst(cwd, arg.text);
      return;
    }
    case 'popd':
      state.cwd = state.dirStack.length ? state.dirStack.pop()! : null;
      return;
    case 'source': case '.': {
      const f = w[1];
      if (f && /(^|\/)bin\/activate(\.\w+)?$/.test(f)) state.venv = true;
      need(f);
      return;
    }
    case 'conda': case 'mamba': case 'micromamba':
      if (w[1] === 'activate') state.venv = true;
      return;
    case 'mkdir': case 'touch':
      for (const o of operands(w, ['-m', '--mode'])) created(o);
      return;
    case 'cp': case 'mv': case 'install': case 'ln': case 'rsync': {
      const t = optionValue(w, ['-t', '--target-directory']);
      const ops = operands(w, ['-m', '-o', '-g', '--mode', '--owner', '--group', '-S', '--suffix', '-e']);
      if (t) created(t);
      else if (ops.length >= 2 || (name === 'install' && w.includes('-d'))) created(ops[ops.length - 1]);
      if (ops.length >= 2) for (const s of ops.slice(0, -1)) need(s);
      return;
    }
    case 'curl': {
      const out = optionValue(w, ['-o', '--output']);
      const remote = w.some((t) => t === '-O' || t === '--remote-name' || /^-[a-zA-Z]*O[a-zA-Z]*$/.test(t));
      const url = w.slice(1).find((t) => /^(https?|ftp):\/\//.test(t));
      const file = out ?? (remote && url ? baseName(url.replace(/[?#].*$/, '')) : undefined);
      for (const r of rec.redirs) if ((r.kind === 'write') && r.target?.known && !r.fd) download(state, r.target.text);
      if (file && file !== '-') download(state, file);
      return;
    }
    case 'wget': {
      const out = optionValue(w, ['-O', '--output-document']);
      const dir = optionValue(w, ['-P', '--directory-prefix']);
      const url = w.slice(1).find((t) => /^(https?|ftp):\/\//.test(t));
      if (out && out !== '-') download(state, out);
      else if (!out && url) download(state, posix.join(dir ?? '.', baseName(url.replace(/[?#].*$/, '')) || 'index.html'));
      return;
    }
    case 'git':
      if (w[1] === 'clone') {
        const ops = operands(w.slice(1), ['-b', '--branch', '--depth', '-o', '--origin', '-c', '--config', '--reference', '-j', '--jobs', '--filter']);
        const dest = ops[1] ?? (ops[0] ? baseName(ops[0].replace(/\/+$/, '')).replace(/\.git$/, '') : undefined);
        created(dest);
      } else if (w[1] === 'submodule') created('.');
      return;
    case 'virtualenv':
      created(operands(w, ['-p', '--python', '--prompt'])[0] ?? 'venv');
      return;
    case 'uv':
      if (w[1] === 'venv') created(operands(w.slice(1), ['-p', '--python', '--prompt'])[0] ?? '.venv');
      else if (w[1] === 'sync') created('.venv');
      else if (w[1] === 'tool' && w[2] === 'install') provide(state, w.slice(3));
      else if (w[1] === 'pip' && w[2] === 'install') provide(state, w.slice(3));
      return;
    case 'configure':
      created('Makefile'); created('config.status'); created('config.h');
      return;
    case 'autogen.sh': case 'bootstrap': case 'autoreconf': case 'bootstrap.sh':
      created('configure');
      return;
    case 'cmake': {
      const b = optionValue(w, ['-B']);
      if (b) created(b);
      else if (!w.includes('--build') && !w.includes('--install') && !w.includes('-P') && !w.includes('-E')) { created('Makefile'); created('CMakeCache.txt'); created('build.ninja'); }
      if (w.includes('--build')) need(optionValue(w, ['--build']));
      return;
    }
    case 'meson': {
      if (w[1] === 'setup') created(operands(w.slice(1), ['--prefix', '--buildtype', '-D', '--backend'])[0]);
      else if (w[1] && !w[1].startsWith('-') && !['compile', 'test', 'install', 'configure', 'dist', 'introspect', 'subprojects', 'wrap', 'init', 'rewrite', 'devenv'].includes(w[1])) created(w[1]);
      const c = optionValue(w, ['-C']);
      if (c && w[1] !== 'setup') need(c);
      return;
    }
    case 'ninja': case 'make': case 'gmake': {
      const c = optionValue(w, ['-C', '--directory']);
      if (c) need(c);
      else if (name === 'ninja') need('build.ninja');
      else if (!w.some((t) => t === '-f' || t.startsWith('--file') || t.startsWith('--makefile'))) need('Makefile');
      return;
    }
    case 'npm': case 'yarn': case 'pnpm': case 'bun':
      if (['install', 'i', 'ci', 'add', undefined].includes(w[1]) && !w.some((t) => t === '-g' || t === '--global')) created('node_modules');
      if (w.some((t) => t === '-g' || t === '--global') || (name === 'yarn' && w[1] === 'global')) provide(state, operands(w.slice(1)).filter((t) => !['install', 'i', 'add', 'global'].includes(t)));
      return;
    case 'corepack':
      if (w[1] === 'enable') { state.providedTools.add('yarn'); state.providedTools.add('pnpm'); }
      return;
    case 'tar': {
      const c = optionValue(w, ['-C', '--directory']);
      if (c) created(c);
      return;
    }
    case 'unzip': {
      const d = optionValue(w, ['-d']);
      if (d) created(d);
      return;
    }
    case 'go':
      if (w[1] === 'build') created(optionValue(w, ['-o']));
      if (w[1] === 'install') provide(state, operands(w.slice(1)).map((p) => baseName(p.split('@')[0]!)));
      return;
    case 'cargo':
      if (['build', 'test', 'run', 'check'].includes(w[1] ?? '')) created('target');
      if (w[1] === 'install') provide(state, operands(w.slice(1), ['--version', '--git', '--path', '--root']));
      return;
    case 'mvn': case 'mvnw':
      created('target');
      return;
    case 'gradle': case 'gradlew':
      created('build');
      return;
    case 'gem':
      if (w[1] === 'install') provide(state, operands(w.slice(1), ['-v', '--version', '-i', '--install-dir']));
      return;
    case 'pipx':
      if (w[1] === 'install') provide(state, operands(w.slice(1)));
      return;
    case 'apt-get': case 'apt': case 'apk': case 'dnf': case 'yum': case 'brew': case 'zypper': case 'pacman':
      if (['install', 'add'].includes(w[1] ?? '') || w[1] === '-S') provide(state, operands(w.slice(1)));
      return;
    case 'dotnet':
      if (w[1] === 'tool' && w[2] === 'install') provide(state, operands(w.slice(2), ['--version', '--tool-path']));
      return;
  }

  if (/^pip[0-9.]*$/.test(name) && w[1] === 'install') { provide(state, operands(w.slice(1), ['-r', '--requirement', '-c', '--constraint', '-i', '--index-url', '--extra-index-url', '-t', '--target'])); need(optionValue(w, ['-r', '--requirement'])); return; }
  if (/^python[0-9.]*$/.test(name)) {
    const m = w.indexOf('-m');
    if (m > 0 && (w[m + 1] === 'venv' || w[m + 1] === 'virtualenv')) { created(operands(w.slice(m + 1), ['--prompt'])[0] ?? '.venv'); return; }
    if (m > 0 && w[m + 1] === 'pip' && w[m + 2] === 'install') { provide(state, operands(w.slice(m + 2), ['-r', '--requirement', '-c', '--constraint', '-i', '--index-url', '--extra-index-url'])); need(optionValue(w, ['-r', '--requirement'])); return; }
  }
  if (INTERPRETERS_WITH_SCRIPT.test(name)) {
    const script = scriptOperand(w);
    if (script) need(script);
  }
}

/** The script file an interpreter runs (`python setup.py install` → setup.py), if any. */
export function scriptOperand(w: string[]): string | undefined {
  for (let i = 1; i < w.length; i++) {
    const t = w[i]!;
    if (t === '-c' || t === '-e' || t === '-m' || t === '-E' || t === '--eval' || t === '-' || t === '-s' || t === '-r' || t === '--require') return undefined;
    if (t.startsWith('-')) continue;
    return /\.(py|sh|bash|js|mjs|cjs|ts|rb|pl|php|R|lua|tcl)$/.test(t) || t.includes('/') ? t : undefined;
  }
  return undefined;
}

function create(state: ShellState, p: string): void {
  const abs = resolveAgainst(state.cwd, p);
  if (abs) state.created.add(abs);
}

function download(state: ShellState, p: string): void {
  const abs = resolveAgainst(state.cwd, p);
  if (!abs) return;
  state.created.add(abs);
  state.downloaded.add(abs);
}

const TOOL_ALIASES: Record<string, string[]> = { bundler: ['bundle', 'bundler'], 'python3-pip': ['pip3'], 'python3-venv': [], nodejs: ['node'], 'build-essential': ['gcc', 'g++', 'make'], 'golang-go': ['go'], 'default-jdk': ['java', 'javac'], 'openjdk-17-jdk': ['java', 'javac'], 'ninja-build': ['ninja'] };

function provide(state: ShellState, pkgs: string[]): void {
  for (const raw of pkgs) {
    if (raw.startsWith('-')) continue;
    // strip versions, extras and scopes: `tox==4.0` → tox, `@angular/cli@17` → cli
    let n = raw.replace(/^@[^/]+\//, '').replace(/[\[<>=!~;@].*$/, '');
    n = baseName(n);
    if (!n) continue;
    for (const t of TOOL_ALIASES[n] ?? [n]) state.providedTools.add(t);
    if (n === 'cli' && raw.startsWith('@angular/')) state.providedTools.add('ng');
  }
}
