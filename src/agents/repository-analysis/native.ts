/**
 * C and C++ build systems, one per folder in order of preference: CMake, Meson, Autotools, then a
 * plain Makefile. A Makefile beside another ecosystem's manifest is a task runner, not a build
 * system of its own (its targets are read by CI extraction instead).
 */
import type { CandidateStep, EcosystemName } from '../../protocol/plan.js';
import type { Detector, DetectContext } from './types.js';
import { hasFile, lineOf, readText, step } from './util.js';

const MAKEFILES = ['GNUmakefile', 'makefile', 'Makefile'];

/** Other manifests that make a Makefile a task runner rather than the build system. */
const LANGUAGE_MANIFESTS = ['package.json', 'pyproject.toml', 'setup.py', 'go.mod', 'Cargo.toml', 'pom.xml', 'build.gradle', 'build.gradle.kts', 'Gemfile', 'composer.json', 'requirements.txt'];

export function makeTargets(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^([A-Za-z0-9][\w.-]*)\s*:(?!=)/gm)) if (!out.includes(m[1])) out.push(m[1]);
  return out;
}

function findPackages(ctx: DetectContext, text: string): Record<string, string> {
  const deps: Record<string, string> = {};
  for (const m of text.matchAll(/find_package\s*\(\s*([A-Za-z0-9_]+)/gi)) deps[m[1].toLowerCase()] = '*';
  for (const m of text.matchAll(/pkg_check_modules\s*\(\s*\w+\s+(?:REQUIRED\s+)?([^)]*)\)/gi)) for (const n of m[1].split(/\s+/)) if (n && !/^[A-Z]+$/.test(n)) deps[n.toLowerCase().replace(/[<>=].*/, '')] = '*';
  return deps;
}

export const detectNative: Detector = (ctx) => {
  let name: EcosystemName | undefined;
  const candidates: CandidateStep[] = [];
  let deps: Record<string, string> = {};
  if (hasFile(ctx, 'CMakeLists.txt')) {
    name = 'cmake';
    const text = readText(ctx, 'CMakeLists.txt') ?? '';
    deps = findPackages(ctx, text);
    candidates.push(step(ctx, { stage: 'build', command: 'cmake -S . -B build -DCMAKE_BUILD_TYPE=Release', file: 'CMakeLists.txt', line: lineOf(text, /project\s*\(/i), kind: 'default', confidence: 0.5 }));
    candidates.push(step(ctx, { stage: 'build', command: 'cmake --build build --parallel', file: 'CMakeLists.txt', kind: 'default', confidence: 0.5 }));
    const tests = lineOf(text, /enable_testing\s*\(|add_test\s*\(|include\s*\(\s*CTest/i);
    if (tests) candidates.push(step(ctx, { stage: 'test', command: 'ctest --test-dir build --output-on-failure', file: 'CMakeLists.txt', line: tests, kind: 'manifest', confidence: 0.5 }));
  } else if (hasFile(ctx, 'meson.build')) {
    name = 'meson';
    const text = readText(ctx, 'meson.build') ?? '';
    for (const m of text.matchAll(/dependency\s*\(\s*['"]([^'"]+)['"]/g)) deps[m[1].toLowerCase()] = '*';
    candidates.push(step(ctx, { stage: 'build', command: 'meson setup build', file: 'meson.build', line: lineOf(text, /project\s*\(/), kind: 'default', confidence: 0.5 }));
    candidates.push(step(ctx, { stage: 'build', command: 'meson compile -C build', file: 'meson.build', kind: 'default', confidence: 0.5 }));
    const tests = lineOf(text, /\btest\s*\(/);
    if (tests) candidates.push(step(ctx, { stage: 'test', command: 'meson test -C build', file: 'meson.build', line: tests, kind: 'manifest', confidence: 0.5 }));
  } else if (hasFile(ctx, 'configure') || hasFile(ctx, 'configure.ac') || hasFile(ctx, 'configure.in')) {
    name = 'autotools';
    if (!hasFile(ctx, 'configure')) {
      const gen = hasFile(ctx, 'autogen.sh') ? './autogen.sh' : hasFile(ctx, 'bootstrap') ? './bootstrap' : 'autoreconf -fi';
      candidates.push(step(ctx, { stage: 'build', command: gen, file: hasFile(ctx, 'configure.ac') ? 'configure.ac' : 'configure.in', kind: 'default', confidence: 0.45 }));
    }
    candidates.push(step(ctx, { stage: 'build', command: './configure', file: hasFile(ctx, 'configure') ? 'configure' : 'configure.ac', kind: 'default', confidence: 0.5 }));
    candidates.push(step(ctx, { stage: 'build', command: 'make', kind: 'default', confidence: 0.5 }));
    candidates.push(step(ctx, { stage: 'test', command: 'make check', kind: 'default', confidence: 0.45 }));
  } else {
    const makefile = MAKEFILES.find((f) => hasFile(ctx, f));
    if (!makefile || LANGUAGE_MANIFESTS.some((f) => hasFile(ctx, f))) return undefined;
    name = 'make';
    const text = readText(ctx, makefile) ?? '';
    const targets = makeTargets(text);
    candidates.push(step(ctx, { stage: 'build', command: 'make', file: makefile, line: targets[0] ? lineOf(text, new RegExp(`^${targets[0].replace(/[.]/g, '\\.')}\\s*:`, 'm')) : undefined, kind: 'default', confidence: 0.5 }));
    const testTarget = ['test', 'check', 'tests'].find((t) => targets.includes(t));
    if (testTarget) candidates.push(step(ctx, { stage: 'test', command: `make ${testTarget}`, file: makefile, line: lineOf(text, new RegExp(`^${testTarget}\\s*:`, 'm')), kind: 'manifest', confidence: 0.55 }));
  }
  const includes = name === 'cmake' ? includedDirs(ctx, 'CMakeLists.txt', /^\s*add_subdirectory\s*\(\s*"?([^\s)"$]+)/gim)
    : name === 'meson' ? includedDirs(ctx, 'meson.build', /\bsubdir\s*\(\s*['"]([^'"]+)['"]/g) : [];
  return {
    ecosystem: { name, root: ctx.dir.dir, packageManager: name === 'cmake' ? 'cmake' : name === 'meson' ? 'meson' : 'make', dependencies: deps },
    candidates,
    ...(includes.length ? { includes } : {}),
  };
};

/** Literal sub-folders a build file takes in, as repository paths (`add_subdirectory(fuzzing)` → `fuzzing`). */
function includedDirs(ctx: DetectContext, file: string, re: RegExp): string[] {
  const text = readText(ctx, file) ?? '';
  const out: string[] = [];
  for (const m of text.matchAll(re)) {
    const rel = m[1].replace(/^\.\/+/, '').replace(/\/+$/, '');
    if (!rel || rel.startsWith('/') || rel.split('/').includes('..')) continue;
    out.push(ctx.dir.dir === '.' ? rel : `${ctx.dir.dir}/${rel}`);
  }
  return out;
}

/** Docker: a Dockerfile or compose file. Build steps only when nothing else describes the project. */
export const detectDocker: Detector = (ctx) => {
  const dockerfile = ['Dockerfile', 'Containerfile'].find((f) => hasFile(ctx, f));
  const compose = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'].find((f) => hasFile(ctx, f));
  if (!dockerfile && !compose) return undefined;
  const base = dockerfile ? /^\s*FROM\s+(\S+)/im.exec(readText(ctx, dockerfile, 65536) ?? '')?.[1] : undefined;
  const tag = (ctx.dir.dir === '.' ? 'app' : ctx.dir.dir.replace(/[^a-z0-9]+/gi, '-').toLowerCase()).replace(/^-+|-+$/g, '') || 'app';
  return {
    ecosystem: { name: 'docker', root: ctx.dir.dir, packageManager: compose && !dockerfile ? 'docker-compose' : 'docker', ...(base ? { languageVersion: base, languageVersionSource: `${dockerfile} FROM` } : {}) },
    candidates: dockerfile ? [step(ctx, { stage: 'build', command: `docker build -t ${tag} .`, file: dockerfile, kind: 'default', confidence: 0.4 })] : [],
  };
};
