/**
 * Python: the project's installer (uv, poetry, pdm, pipenv, hatch or pip) from lockfiles, then
 * pyproject build backends, then requirements files; the Python version; dependencies; and the
 * default install and test commands.
 */
import type { CandidateStep } from '../../protocol/plan.js';
import type { Detector, DetectContext } from './types.js';
import { asArray, asRecord, asString, depMap, filesMatching, firstLine, hasDir, hasFile, lineOf, readText, readTomlObject, step, unreadable } from './util.js';

type PyPm = 'uv' | 'poetry' | 'pdm' | 'pipenv' | 'hatch' | 'pip';

const REQ_MAIN = /^requirements\.txt$/;
const REQ_EXTRA = /^(requirements[-_.].*\.txt|(dev|test)[-_]requirements\.txt|requirements[-_]?(dev|test)s?\.txt)$/i;

/** `requests>=2; python_version<"3.8"` → ["requests", ">=2"]. */
export function parsePep508(req: string): [string, string] | undefined {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(\(?[^;@]*\)?)?/.exec(req);
  if (!m) return undefined;
  return [m[1], (m[3] ?? '').trim().replace(/^\(|\)$/g, '') || '*'];
}

export function parseRequirements(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#') || line.startsWith('-') || /^(https?|git\+|file:)/.test(line)) continue;
    const r = parsePep508(line);
    if (r) out[r[0]] = r[1];
  }
  return out;
}

function backendOf(pyproject: Record<string, unknown>): string | undefined {
  return asString(asRecord(pyproject['build-system'])['build-backend']);
}

function choosePm(ctx: DetectContext, pyproject: Record<string, unknown> | undefined): { pm: PyPm; from: string; lock?: string } {
  if (hasFile(ctx, 'uv.lock')) return { pm: 'uv', from: 'uv.lock', lock: 'uv.lock' };
  if (hasFile(ctx, 'poetry.lock')) return { pm: 'poetry', from: 'poetry.lock', lock: 'poetry.lock' };
  if (hasFile(ctx, 'pdm.lock')) return { pm: 'pdm', from: 'pdm.lock', lock: 'pdm.lock' };
  if (hasFile(ctx, 'Pipfile')) return { pm: 'pipenv', from: 'Pipfile', lock: hasFile(ctx, 'Pipfile.lock') ? 'Pipfile.lock' : undefined };
  if (pyproject) {
    const tool = asRecord(pyproject.tool);
    const backend = backendOf(pyproject) ?? '';
    if (backend.startsWith('poetry') || (tool.poetry && !asRecord(pyproject.project).name)) return { pm: 'poetry', from: 'pyproject build backend' };
    if (backend.startsWith('pdm')) return { pm: 'pdm', from: 'pyproject build backend' };
    if (tool.uv) return { pm: 'uv', from: 'pyproject [tool.uv]' };
    if (backend.startsWith('hatchling') && asRecord(tool.hatch).envs) return { pm: 'hatch', from: 'pyproject [tool.hatch.envs]' };
  }
  return { pm: 'pip', from: pyproject ? 'pyproject.toml' : hasFile(ctx, 'setup.py') ? 'setup.py' : 'requirements' };
}

function pythonVersion(ctx: DetectContext, pyproject: Record<string, unknown> | undefined, setupPy: string | undefined): { version?: string; source?: string } {
  const pv = firstLine(readText(ctx, '.python-version', 1024));
  if (pv) return { version: pv, source: '.python-version' };
  const rt = firstLine(readText(ctx, 'runtime.txt', 1024));
  const rm = rt && /^python-(\d[\w.]*)$/.exec(rt);
  if (rm) return { version: rm[1], source: 'runtime.txt' };
  const tv = readText(ctx, '.tool-versions', 4096);
  const tm = tv && /^python\s+(\S+)/m.exec(tv);
  if (tm) return { version: tm[1], source: '.tool-versions' };
  if (pyproject) {
    const rp = asString(asRecord(pyproject.project)['requires-python']);
    if (rp) return { version: rp, source: 'requires-python' };
    const poetryPy = asString(asRecord(asRecord(asRecord(pyproject.tool).poetry).dependencies).python);
    if (poetryPy) return { version: poetryPy, source: 'tool.poetry.dependencies.python' };
  }
  const sm = setupPy && /python_requires\s*=\s*['"]([^'"]+)['"]/.exec(setupPy);
  if (sm) return { version: sm[1], source: 'setup.py python_requires' };
  return {};
}

function collectDeps(ctx: DetectContext, pyproject: Record<string, unknown> | undefined, setupPy: string | undefined, reqMain: string[], reqExtra: string[]): { deps: Record<string, string>; dev: Record<string, string>; extras: string[] } {
  const deps: Record<string, string> = {};
  const dev: Record<string, string> = {};
  let extras: string[] = [];
  const addAll = (into: Record<string, string>, list: unknown) => {
    for (const r of asArray(list)) if (typeof r === 'string') { const p = parsePep508(r); if (p) into[p[0]] = p[1]; }
  };
  if (pyproject) {
    const project = asRecord(pyproject.project);
    addAll(deps, project.dependencies);
    const optional = asRecord(project['optional-dependencies']);
    extras = Object.keys(optional);
    for (const list of Object.values(optional)) addAll(dev, list);
    for (const list of Object.values(asRecord(pyproject['dependency-groups']))) addAll(dev, list);
    const poetry = asRecord(asRecord(pyproject.tool).poetry);
    Object.assign(deps, depMap(poetry.dependencies));
    delete deps.python;
    Object.assign(dev, depMap(poetry['dev-dependencies']));
    for (const g of Object.values(asRecord(poetry.group))) Object.assign(dev, depMap(asRecord(g).dependencies));
    for (const list of Object.values(asRecord(asRecord(asRecord(pyproject.tool).pdm)['dev-dependencies']))) addAll(dev, list);
  }
  if (hasFile(ctx, 'Pipfile')) {
    const pip = readTomlObject(ctx, 'Pipfile');
    if (pip) { Object.assign(deps, depMap(pip.packages)); Object.assign(dev, depMap(pip['dev-packages'])); }
  }
  for (const f of reqMain) Object.assign(deps, parseRequirements(readText(ctx, f) ?? ''));
  for (const f of reqExtra) Object.assign(dev, parseRequirements(readText(ctx, f) ?? ''));
  if (setupPy) {
    // setup.py is code; read only literal lists of strings in install_requires / tests_require.
    for (const [key, into] of [['install_requires', deps], ['tests_require', dev]] as const) {
      const m = new RegExp(`${key}\\s*=\\s*\\[([^\\]]*)\\]`).exec(setupPy);
      if (m) for (const s of m[1].matchAll(/['"]([^'"]+)['"]/g)) { const p = parsePep508(s[1]); if (p) into[p[0]] ??= p[1]; }
    }
  }
  const cfg = readText(ctx, 'setup.cfg');
  const cm = cfg && /install_requires\s*=\s*\n((?:[ \t]+\S.*\n?)+)/.exec(cfg);
  if (cm) for (const l of cm[1].split('\n')) { const p = parsePep508(l.trim()); if (p && l.trim()) deps[p[0]] = p[1]; }
  return { deps, dev, extras };
}

function hasPytest(ctx: DetectContext, pyproject: Record<string, unknown> | undefined, all: Record<string, string>): boolean {
  if (Object.keys(all).some((d) => /^pytest($|[-_])/i.test(d))) return true;
  if (pyproject && asRecord(asRecord(pyproject.tool).pytest).ini_options) return true;
  if (hasFile(ctx, 'pytest.ini') || hasFile(ctx, 'conftest.py')) return true;
  const cfg = readText(ctx, 'setup.cfg', 65536) ?? '';
  const tox = readText(ctx, 'tox.ini', 65536) ?? '';
  return /^\[(tool:)?pytest\]/m.test(cfg) || /^\[pytest\]/m.test(tox);
}

/** Django-style `requirements/` folders: base/prod files install the app, dev/test files the tools. */
function requirementsFolder(ctx: DetectContext): { main: string[]; extra: string[] } {
  if (!hasDir(ctx, 'requirements')) return { main: [], extra: [] };
  const txt = ctx.fs.list(ctx.dir.dir === '.' ? 'requirements' : `${ctx.dir.dir}/requirements`).filter((e) => e.file && e.name.endsWith('.txt')).map((e) => `requirements/${e.name}`).sort();
  const extra = txt.filter((f) => /\/(dev|develop|development|test|tests|testing|local|ci|lint|docs?)[\w.-]*\.txt$/i.test(f) && !/docs?\b/i.test(f.split('/')[1]));
  const main = txt.filter((f) => !extra.includes(f) && !/\/docs?[\w.-]*\.txt$/i.test(f));
  // Prefer the file the others build on (base/common), then production ones.
  const base = main.filter((f) => /\/(base|common|main|requirements)\.txt$/i.test(f));
  return { main: base.length ? base : main.slice(0, 1), extra: extra.filter((f) => /\/(dev|test|testing|tests|ci)[\w.-]*\.txt$/i.test(f)).slice(0, 1) };
}

export const detectPython: Detector = (ctx) => {
  const hasPyproject = hasFile(ctx, 'pyproject.toml');
  const hasSetup = hasFile(ctx, 'setup.py') || hasFile(ctx, 'setup.cfg');
  const folder = requirementsFolder(ctx);
  const reqMain = [...filesMatching(ctx, REQ_MAIN), ...(filesMatching(ctx, REQ_MAIN).length ? [] : folder.main)];
  const reqExtra = [...filesMatching(ctx, REQ_EXTRA), ...folder.extra];
  if (!hasPyproject && !hasSetup && !reqMain.length && !reqExtra.length && !hasFile(ctx, 'Pipfile')) return undefined;
  const pyproject = hasPyproject ? readTomlObject(ctx, 'pyproject.toml') : undefined;
  if (hasPyproject && !pyproject && !hasSetup && !reqMain.length && !reqExtra.length && !hasFile(ctx, 'Pipfile')) {
    return { ecosystem: { name: 'python', root: ctx.dir.dir, packageManager: 'pip' }, candidates: unreadable(ctx, 'pyproject.toml', 'Python') };
  }
  // A pyproject.toml holding only tool settings (black, ruff…) does not make a Python package.
  const isPackage = !!pyproject && (!!pyproject.project || !!pyproject['build-system'] || !!asRecord(pyproject.tool).poetry);
  const setupPy = hasFile(ctx, 'setup.py') ? readText(ctx, 'setup.py') : undefined;
  const installable = isPackage || hasSetup;
  if (!installable && !reqMain.length && !reqExtra.length && !hasFile(ctx, 'Pipfile')) return undefined;
  const pyText = hasPyproject ? readText(ctx, 'pyproject.toml') : undefined;

  const { pm, from, lock } = choosePm(ctx, pyproject);
  const { version, source } = pythonVersion(ctx, pyproject, setupPy);
  const { deps, dev, extras } = collectDeps(ctx, pyproject, setupPy, reqMain, reqExtra);
  const candidates: CandidateStep[] = [];
  const testExtra = extras.find((e) => /^(tests?|testing|dev)$/i.test(e));
  const detail = `installer from ${from}`;
  const runPrefix = pm === 'uv' ? 'uv run ' : pm === 'poetry' ? 'poetry run ' : pm === 'pdm' ? 'pdm run ' : pm === 'pipenv' ? 'pipenv run ' : pm === 'hatch' ? 'hatch run ' : 'python -m ';

  switch (pm) {
    case 'uv': candidates.push(step(ctx, { stage: 'install', command: lock ? 'uv sync --locked' : 'uv sync', file: lock ?? 'pyproject.toml', detail, confidence: 0.65 })); break;
    case 'poetry': candidates.push(step(ctx, { stage: 'install', command: 'poetry install', file: lock ?? 'pyproject.toml', detail, confidence: 0.65 })); break;
    case 'pdm': candidates.push(step(ctx, { stage: 'install', command: 'pdm install', file: lock ?? 'pyproject.toml', detail, confidence: 0.6 })); break;
    case 'pipenv': candidates.push(step(ctx, { stage: 'install', command: lock ? 'pipenv sync --dev' : 'pipenv install --dev', file: lock ?? 'Pipfile', detail, confidence: 0.6 })); break;
    case 'hatch': candidates.push(step(ctx, { stage: 'install', command: 'hatch env create', file: 'pyproject.toml', detail, confidence: 0.5 })); break;
    default: {
      for (const f of reqMain) candidates.push(step(ctx, { stage: 'install', command: `pip install -r ${f}`, file: f, detail, confidence: 0.6 }));
      if (installable) {
        const target = testExtra ? `-e ".[${testExtra}]"` : '-e .';
        candidates.push(step(ctx, { stage: 'install', command: `pip install ${target}`, file: isPackage ? 'pyproject.toml' : 'setup.py', line: testExtra ? lineOf(pyText, new RegExp(`^\\s*${testExtra}\\s*=`, 'm')) : undefined, detail, confidence: 0.55 }));
      }
      for (const f of reqExtra) candidates.push(step(ctx, { stage: 'install', command: `pip install -r ${f}`, file: f, detail: 'development requirements', confidence: 0.5 }));
    }
  }

  const pytest = hasPytest(ctx, pyproject, { ...deps, ...dev });
  if (pm === 'hatch') {
    candidates.push(step(ctx, { stage: 'test', command: 'hatch test', file: 'pyproject.toml', kind: 'default', confidence: 0.45 }));
  } else if (pytest) {
    candidates.push(step(ctx, { stage: 'test', command: pm === 'pip' ? 'python -m pytest' : `${runPrefix}pytest`, file: isPackage ? 'pyproject.toml' : reqExtra[0] ?? reqMain[0], kind: 'manifest', confidence: 0.55, detail: 'pytest is configured or required' }));
  } else if (hasFile(ctx, 'manage.py')) {
    candidates.push(step(ctx, { stage: 'test', command: `${pm === 'pip' ? 'python' : runPrefix + 'python'} manage.py test`, file: 'manage.py', kind: 'default', confidence: 0.45, detail: 'Django test runner' }));
  } else if (hasDir(ctx, 'tests') || hasDir(ctx, 'test')) {
    candidates.push(step(ctx, { stage: 'test', command: `${pm === 'pip' ? 'python -m ' : runPrefix + 'python -m '}unittest discover`, kind: 'default', confidence: 0.35, detail: 'a tests folder without pytest' }));
  }
  const lockfiles = ['uv.lock', 'poetry.lock', 'pdm.lock', 'Pipfile.lock'].filter((f) => hasFile(ctx, f));
  return {
    ecosystem: {
      name: 'python',
      root: ctx.dir.dir,
      packageManager: pm,
      ...(version ? { languageVersion: version, languageVersionSource: source } : {}),
      dependencies: deps,
      devDependencies: dev,
      ...(lockfiles.length ? { lockfiles } : {}),
      ...(pyproject && Object.keys(asRecord(asRecord(pyproject.project).scripts)).length ? { scripts: Object.fromEntries(Object.entries(asRecord(asRecord(pyproject.project).scripts)).map(([k, v]) => [k, String(v)])) } : {}),
    },
    candidates,
  };
};
