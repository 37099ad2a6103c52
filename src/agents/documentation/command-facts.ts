/**
 * Facts about a single shell command that both documentation and CI extraction need: which stage
 * it belongs to, which platform it is for, whether it is a lint or a release step, and which
 * placeholders a person must fill in. Judged from the words of the command only (safety
 * judgement is the Command Validation agent's job, with a real shell parser).
 */
import type { Platform, Stage } from '../../protocol/plan.js';
import { STAGE_ORDER } from '../../protocol/plan.js';
import { GRADLE_TESTING_TASKS, gradleInvocation, MAVEN_TESTING_GOALS, mavenInvocation } from './jvm-invocation.js';

/** Split a script into its simple parts at `&&`, `||`, `;` and newlines, outside quotes. */
export function splitScript(script: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote) {
      cur += c;
      if (c === '\\' && quote === '"' && i + 1 < script.length) cur += script[++i];
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '\\' && i + 1 < script.length) {
      const n = script[i + 1];
      cur += n === '\n' ? ' ' : c + n;
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      cur += c;
      continue;
    }
    const two = script.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      parts.push(cur);
      cur = '';
      i++;
      continue;
    }
    if (c === ';' || c === '\n') {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Words of a simple command with leading `sudo`, env assignments and `time` removed. */
export function commandWords(part: string): string[] {
  const words = part.trim().split(/\s+/).filter(Boolean);
  let i = 0;
  while (i < words.length) {
    const w = words[i];
    if (w === 'sudo' || w === 'time' || w === 'exec' || w === 'command' || w === 'nohup') i++;
    else if (w === 'env' && i + 1 < words.length) i++;
    else if (/^-[A-Za-z-]+$/.test(w) && i > 0 && words[i - 1] === 'sudo') i++;
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) i++;
    else break;
  }
  return words.slice(i);
}

/** Options of runner commands that take a value (`uv run --group dev …`). */
const RUNNER_VALUE_OPTS = new Set([
  '--group', '--only-group', '--no-group', '--with', '--extra', '--python', '-p', '--package', '--env', '-e', '--directory',
  '--project', '--index', '--from', '-n', '--name', '--prefix', '-s', '--server-args', '-k', '--kill-after', '--signal',
]);

/**
 * The command a runner wrapper runs: `uv run [opts] X`, `poetry run X`, `pdm run`, `hatch run`,
 * `pipenv run`, `rye run`, `conda run -n env X`, `bundle exec X`, `xvfb-run [opts] X`,
 * `timeout 60 X`. Returns undefined when the words are not such a wrapper.
 */
export function unwrapRunner(w: string[]): string[] | undefined {
  let i: number;
  const [cmd, a1] = w;
  if (/^(uv|poetry|pdm|hatch|pipenv|rye|conda|mamba|micromamba|pixi)$/.test(cmd ?? '') && a1 === 'run') i = 2;
  else if (/^(bundle|bundler)$/.test(cmd ?? '') && a1 === 'exec') i = 2;
  else if (cmd === 'xvfb-run' || cmd === 'timeout' || cmd === 'catchsegv' || cmd === 'dbus-run-session') i = 1;
  else return undefined;
  while (i < w.length && w[i].startsWith('-')) {
    if (RUNNER_VALUE_OPTS.has(w[i]) && !w[i].includes('=')) i++;
    i++;
  }
  if (cmd === 'timeout' && /^\d+[smhd]?$/.test(w[i] ?? '')) i++;
  return w.slice(i);
}

const SYSTEM_INSTALLERS = /^(apt-get|apt|aptitude|yum|dnf|apk|pacman|zypper|emerge|brew|port|choco|winget|scoop|snap|nix-env|pkg)$/;
const PYTHON_RUNNERS = /^(python[0-9.]*|py|pypy[0-9.]*)$/;

/**
 * `playwright install chromium`, `npx playwright install --with-deps`, `pnpm exec cypress install`,
 * `npx puppeteer browsers install chrome`: downloads browsers the tests drive, so an install
 * step (it needs the network), whichever runner calls it.
 */
function browserDownloadStage(w: string[]): Stage | undefined {
  let i = 0;
  if (/^(npx|pnpx|bunx)$/.test(w[0] ?? '')) i = 1;
  else if (/^(npm|pnpm|yarn|bun)$/.test(w[0] ?? '')) i = /^(exec|dlx|x)$/.test(w[1] ?? '') ? 2 : 1;
  while ((w[i] ?? '').startsWith('-')) i++;
  const tool = (w[i] ?? '').replace(/@[\d^~].*$/, '');
  const sub = w.slice(i + 1).filter((x) => !x.startsWith('-'));
  if (tool === 'playwright' || tool === '@playwright/test') return sub[0] === 'install-deps' ? 'system' : sub[0] === 'install' ? 'install' : undefined;
  if (tool === 'cypress' && sub[0] === 'install') return 'install';
  if ((tool === 'puppeteer' || tool === '@puppeteer/browsers') && (sub[0] === 'install' || (sub[0] === 'browsers' && sub[1] === 'install'))) return 'install';
  return undefined;
}

/** The stage a single simple command belongs to, or undefined when its words do not tell. */
export function stageOfCommand(part: string): Stage | undefined {
  const w = commandWords(part);
  if (w.length === 0) return undefined;
  const inner = unwrapRunner(w);
  if (inner) return inner.length ? stageOfCommand(inner.join(' ')) : undefined;
  let [cmd] = w;
  cmd = cmd.replace(/^\.\//, './');
  const a1 = w[1] ?? '';
  const a2 = w[2] ?? '';
  const rest = w.slice(1).join(' ');

  if (SYSTEM_INSTALLERS.test(cmd)) return 'system';
  if (cmd === 'add-apt-repository' || cmd === 'update-alternatives' || cmd === 'debconf-set-selections') return 'system';
  if (cmd === 'xcode-select' || cmd === 'rustup' || cmd === 'nvm' || cmd === 'pyenv' || cmd === 'sdk' || cmd === 'corepack' || cmd === 'asdf' || cmd === 'volta' || cmd === 'fnm' || cmd === 'gvm') {
    return 'system';
  }

  const browsers = browserDownloadStage(w);
  if (browsers) return browsers;

  // Node package managers.
  if (/^(npm|pnpm|yarn|bun|cnpm)$/.test(cmd)) {
    const sub = a1 === 'run' || a1 === 'run-script' ? a2 : a1;
    if (a1 === '' && cmd === 'yarn') return 'install';
    // `pnpm vitest --coverage`, `yarn jest`, `npm exec mocha`: the tool named decides the stage.
    const toolAt = a1 === 'exec' || a1 === 'dlx' || a1 === 'x' ? 2 : 1;
    if (/^(jest|vitest|mocha|ava|karma|playwright|cypress|tsc|eslint|prettier|webpack|rollup|esbuild|tsup)$/.test(w[toolAt] ?? '')) return stageOfCommand(w.slice(toolAt).join(' '));
    if (/^(install|i|ci|add|isntall|bootstrap|rebuild)$/.test(a1) || (cmd === 'yarn' && a1.startsWith('--'))) return 'install';
    if (/^(test|tests|t|tst)$/.test(a1) || /^(test|tests|spec|e2e|coverage|cover|check|ci|verify)([:_-].*)?$/.test(sub) || /^test[:_-]/.test(sub)) return 'test';
    if (/^(lint|format|typecheck|type-check|tsc|prettier|eslint)([:_-].*)?$/.test(sub)) return 'test';
    if (/^(build|compile|dist|bundle|package|prepare|prepublish|make|tsc)([:_-].*)?$/.test(sub) || /^build[:_-]/.test(sub)) return 'build';
    if (/^(start|dev|serve|preview|watch|develop)([:_-].*)?$/.test(sub) || a1 === 'start' || a1 === 'exec' || a1 === 'dlx') return 'run';
    if (a1 === 'link' || a1 === 'config' || a1 === 'set' || a1 === 'global' || a1 === 'workspaces') return 'install';
    return undefined;
  }
  if (cmd === 'npx' || cmd === 'pnpx' || cmd === 'bunx') {
    const tool = w.slice(1).find((x) => !x.startsWith('-')) ?? '';
    if (/^(jest|vitest|mocha|ava|tap|playwright|cypress|karma|c8|nyc)$/.test(tool)) return 'test';
    if (/^(eslint|prettier|tsc|stylelint)$/.test(tool)) return tool === 'tsc' ? 'build' : 'test';
    if (/^(webpack|rollup|vite|esbuild|tsup|parcel|next|nuxt|gulp|grunt)$/.test(tool)) {
      return /^(vite|next|nuxt)$/.test(tool) && (w.includes('dev') || w.length === 2) ? 'run' : 'build';
    }
    if (/^(lerna|nx|turbo)$/.test(tool)) return w.some((x) => /test/.test(x)) ? 'test' : w.some((x) => /build/.test(x)) ? 'build' : undefined;
    return undefined;
  }
  if (/^(jest|vitest|mocha|ava|karma|cypress|playwright)$/.test(cmd)) return 'test';
  if (/^(tsc|webpack|rollup|esbuild|vite|tsup|gulp|grunt)$/.test(cmd)) return cmd === 'vite' && a1 !== 'build' ? 'run' : 'build';
  if (/^(eslint|prettier|flake8|ruff|pylint|black|isort|mypy|pyright|pytype|bandit|rubocop|golangci-lint|shellcheck|clang-format|clang-tidy|stylelint|pre-commit|prek|codespell|hadolint|yamllint|markdownlint|phpcs|phpstan|psalm|ktlint|detekt|checkstyle|biome)$/.test(cmd)) return 'test';

  // Python.
  if (/^(pip[0-9.]*|pipx)$/.test(cmd) || (PYTHON_RUNNERS.test(cmd) && a1 === '-m' && /^pip/.test(a2))) {
    const sub = PYTHON_RUNNERS.test(cmd) ? w[3] ?? '' : a1;
    if (sub === 'wheel') return 'build';
    if (/^(install|download|sync)$/.test(sub)) return 'install';
    return 'install';
  }
  if (cmd === 'uv') {
    if (a1 === 'pip' || a1 === 'sync' || a1 === 'venv' || a1 === 'add' || a1 === 'lock' || a1 === 'tool' && a2 === 'install') return 'install';
    if (a1 === 'build') return 'build';
    if (a1 === 'run') return stageOfCommand(w.slice(2).join(' ')) ?? 'run';
    return undefined;
  }
  if (/^(poetry|pdm|hatch|pipenv|rye|conda|mamba|micromamba|flit)$/.test(cmd)) {
    if (/^(install|sync|add|lock|create|update|env|shell|init)$/.test(a1)) return 'install';
    if (a1 === 'build' || a1 === 'wheel') return 'build';
    if (a1 === 'test') return 'test';
    if (a1 === 'run') return stageOfCommand(w.slice(2).join(' ')) ?? 'run';
    return undefined;
  }
  if (/^(pytest|py\.test|nosetests|nose2|tox|nox|coverage|hypothesis|behave|trial)$/.test(cmd)) return 'test';
  if (PYTHON_RUNNERS.test(cmd)) {
    if (a1 === '-m') {
      if (/^(pytest|unittest|nose|nose2|tox|nox|coverage|doctest|mypy|flake8|pylint|ruff|black|isort|pyright|pytype|bandit|pre_commit)$/.test(a2)) return 'test';
      if (/^(venv|virtualenv|ensurepip|pipx)$/.test(a2)) return 'install';
      if (a2 === 'build' || a2 === 'compileall') return 'build';
      if (/^(http\.server|flask|uvicorn|gunicorn|streamlit|django)$/.test(a2)) return 'run';
      return undefined;
    }
    if (/(^|\/)setup\.py$/.test(a1)) {
      if (/^(test|pytest|check)$/.test(a2)) return 'test';
      if (/^(install|develop)$/.test(a2)) return 'install';
      return 'build';
    }
    if (/(^|\/)manage\.py$/.test(a1)) return a2 === 'test' ? 'test' : a2 === 'runserver' ? 'run' : undefined;
    if (/(^|\/)(runtests?|run_tests?|test[\w-]*)\.py$/.test(a1)) return 'test';
    if (/(^|\/)(bootstrap|install|setup)[\w-]*\.py$/.test(a1)) return 'install';
    if (/(^|\/)(build|make)[\w-]*\.py$/.test(a1)) return 'build';
    if (/\.py$/.test(a1)) return 'run';
    return undefined;
  }
  if (/^(virtualenv|pyenv-virtualenv)$/.test(cmd)) return 'install';
  if (cmd === 'node' || cmd === 'nodejs') {
    if (w.includes('--test')) return 'test';
    const script = w.slice(1).find((x) => !x.startsWith('-'));
    if (script && /\.(c|m)?[jt]s$|^\.{0,2}\//.test(script)) return /(^|\/)(test|spec)/.test(script) ? 'test' : /(^|\/)(build|compile|bundle)/.test(script) ? 'build' : 'run';
    return undefined;
  }
  if (/^(uvicorn|gunicorn|flask|streamlit|jupyter|celery|daphne|hypercorn|fastapi)$/.test(cmd)) return cmd === 'flask' && !w.includes('run') ? undefined : 'run';
  if (cmd === 'source' || cmd === '.') return /activate/.test(a1) ? 'install' : undefined;

  // Go, Rust.
  if (cmd === 'go') {
    if (a1 === 'test' || a1 === 'vet') return 'test';
    if (a1 === 'build' || a1 === 'generate' || a1 === 'install') return 'build';
    if (/^(mod|get)$/.test(a1)) return 'install';
    if (a1 === 'run') return 'run';
    return undefined;
  }
  if (cmd === 'cargo') {
    if (/^(test|nextest|clippy|fmt|check|bench|miri|deny|audit)$/.test(a1)) return 'test';
    if (/^(build|b|doc)$/.test(a1)) return 'build';
    if (/^(fetch|vendor|install|update|generate-lockfile)$/.test(a1)) return 'install';
    if (a1 === 'run' || a1 === 'r') return 'run';
    return undefined;
  }

  // JVM.
  if (/^(mvn|\.\/mvnw|mvnw|mvnw\.cmd)$/.test(cmd)) {
    const { goals, skipsTests } = mavenInvocation(w.slice(1));
    // `-DskipTests`/`-Dmaven.test.skip`: whatever the goals, nothing is tested.
    if (!skipsTests && goals.some((g) => MAVEN_TESTING_GOALS.test(g))) return 'test';
    // `mvn dependency:go-offline test clean -DskipTests`: fetches everything, then throws the build away.
    if (goals.some((g) => /^dependency:/.test(g)) && (goals[goals.length - 1] === 'clean' || goals.every((g) => /^(dependency:.*|clean|validate)$/.test(g)))) return 'install';
    if (goals.some((g) => /^(package|compile|install|test-compile|verify|integration-test|test)$/.test(g))) return 'build';
    if (goals.some((g) => /^dependency:/.test(g))) return 'install';
    if (goals.some((g) => /:run$/.test(g))) return 'run';
    return 'build';
  }
  if (/^(gradle|\.\/gradlew|gradlew|gradlew\.bat)$/.test(cmd)) {
    // `-x test` names a task to skip, not one to run.
    const { tasks } = gradleInvocation(w.slice(1));
    if (tasks.some((t) => GRADLE_TESTING_TASKS.test(t))) return 'test';
    if (tasks.some((t) => /(^|:)(build|assemble|compileJava|jar|shadowJar|installDist|compileKotlin|classes|testClasses)$/.test(t))) return 'build';
    if (tasks.some((t) => /(^|:)(dependencies|downloadDependencies)$/.test(t))) return 'install';
    if (tasks.some((t) => /(^|:)(run|bootRun)$/.test(t))) return 'run';
    return tasks.length === 0 ? 'build' : undefined;
  }
  if (cmd === 'sbt' || cmd === 'lein') return w.some((x) => /test/.test(x)) ? 'test' : w.some((x) => /compile|package|assembly|uberjar/.test(x)) ? 'build' : undefined;
  if (cmd === 'java' && a1 === '-jar') return 'run';

  // Ruby, PHP, .NET, Elixir.
  if (cmd === 'bundle' || cmd === 'bundler') {
    if (a1 === 'exec') return stageOfCommand(w.slice(2).join(' ')) ?? 'run';
    if (/^(install|update|config|lock)$/.test(a1) || a1 === '') return 'install';
    return undefined;
  }
  if (cmd === 'gem') return a1 === 'build' ? 'build' : a1 === 'install' ? 'install' : undefined;
  if (/^(rspec|minitest|cucumber)$/.test(cmd)) return 'test';
  if (cmd === 'rake' || cmd === 'bin/rake' || cmd === './bin/rake') return !a1 || /test|spec/.test(a1) ? 'test' : /compile|build/.test(a1) ? 'build' : undefined;
  if (/^(rails|bin\/rails|\.\/bin\/rails)$/.test(cmd)) return /^(test|spec)/.test(a1) ? 'test' : /^(s|server)$/.test(a1) ? 'run' : /^db:/.test(a1) ? 'build' : undefined;
  if (/^(bin\/setup|\.\/bin\/setup)$/.test(cmd)) return 'install';
  if (/^(composer|composer\.phar)$/.test(cmd)) return /^(install|update|require|i)$/.test(a1) ? 'install' : /test/.test(a1) ? 'test' : undefined;
  if (/(^|\/)(phpunit|pest|paratest)$/.test(cmd)) return 'test';
  if (cmd === 'php') return /artisan/.test(a1) ? (a2 === 'test' ? 'test' : a2 === 'serve' ? 'run' : undefined) : /phpunit/.test(a1) ? 'test' : undefined;
  if (cmd === 'dotnet') return a1 === 'test' ? 'test' : a1 === 'build' || a1 === 'publish' || a1 === 'pack' ? 'build' : a1 === 'restore' || a1 === 'tool' ? 'install' : a1 === 'run' ? 'run' : undefined;
  if (cmd === 'mix') return a1 === 'test' ? 'test' : a1 === 'deps.get' ? 'install' : a1 === 'compile' ? 'build' : undefined;

  // C/C++ and generic builders.
  if (cmd === 'make' || cmd === 'gmake' || cmd === 'mingw32-make') {
    const targets = w.slice(1).filter((x) => !x.startsWith('-') && !x.includes('='));
    // `richtest`, `unittest`, `test-unit`, `integration_tests` (not `latest`, `testdata`).
    if (targets.some((t) => /^(check|unit|lint|coverage|ci|distcheck)$/.test(t) || (/tests?([-_:].*)?$|^test[-_:]/.test(t) && !/latest$/.test(t)))) return 'test';
    if (targets.some((t) => /^(install|deps|setup|bootstrap|dev|develop|requirements|init)$/.test(t))) return 'install';
    if (targets.some((t) => /^(run|serve|start|up)$/.test(t))) return 'run';
    return 'build';
  }
  if (/^(cmake|ninja|meson|scons|bazel|bazelisk|autoreconf|autogen\.sh|\.\/autogen\.sh|\.\/configure|configure|\.\/bootstrap|b2|\.\/b2|premake5|xmake|qmake|msbuild|buck2|pants)$/.test(cmd)) {
    if (cmd === 'ctest' || a1 === 'test' || (cmd === 'meson' && a1 === 'test') || (/^(bazel|bazelisk)$/.test(cmd) && a1 === 'test')) return 'test';
    if (/^(bazel|bazelisk)$/.test(cmd) && a1 === 'run') return 'run';
    if (cmd === 'ninja' && /test|check/.test(a1)) return 'test';
    return 'build';
  }
  if (cmd === 'ctest') return 'test';
  if (cmd === 'docker' || cmd === 'podman') return a1 === 'build' ? 'build' : a1 === 'run' || a1 === 'compose' || a1 === 'start' ? 'run' : a1 === 'pull' ? 'install' : undefined;
  if (cmd === 'docker-compose') return /^(up|run|start)$/.test(a1) ? 'run' : a1 === 'build' ? 'build' : undefined;
  if (cmd === 'git') {
    if (a1 === 'submodule' || (a1 === 'lfs' && a2 === 'pull')) return 'install';
    return undefined;
  }
  if (cmd === 'deno') return a1 === 'test' ? 'test' : a1 === 'lint' || a1 === 'fmt' ? 'test' : a1 === 'compile' ? 'build' : a1 === 'run' || a1 === 'task' ? 'run' : undefined;
  if (cmd === 'swift') return a1 === 'test' ? 'test' : a1 === 'build' ? 'build' : a1 === 'run' ? 'run' : undefined;
  if (cmd === 'stack' || cmd === 'cabal') return a1 === 'test' ? 'test' : a1 === 'build' ? 'build' : /^(install|setup|update)$/.test(a1) ? 'install' : undefined;
  if (cmd === 'just' || cmd === 'task' || cmd === 'invoke' || cmd === 'inv') {
    return /test|check/.test(rest) ? 'test' : /build|compile/.test(rest) ? 'build' : /install|setup|deps|bootstrap/.test(rest) ? 'install' : undefined;
  }
  if (/^(\.\/)?(scripts?|bin|tools|ci|utils|dev|hack)\/[\w./-]+$/.test(cmd) || /^\.\/[\w.-]+$/.test(cmd) || /^(bash|sh)$/.test(cmd)) {
    const target = /^(bash|sh)$/.test(cmd) ? a1 : cmd;
    const base = target.split('/').pop() ?? '';
    if (/test|check/.test(base)) return 'test';
    if (/build|compile|dist/.test(base)) return 'build';
    if (/install|setup|bootstrap|deps|init/.test(base)) return 'install';
    if (/^(start|serve)/.test(base)) return 'run';
  }
  return undefined;
}

/** The latest stage among the recognised parts of a script (running it reaches that stage). */
export function stageOfScript(script: string): Stage | undefined {
  let best: Stage | undefined;
  for (const part of splitScript(script)) {
    const s = stageOfCommand(part);
    if (s && (!best || STAGE_ORDER[s] > STAGE_ORDER[best])) best = s;
  }
  return best;
}

/** Whether the command only checks style (lint/format); such steps are weaker test evidence. */
export function isLintCommand(script: string): boolean {
  return splitScript(script).every((p) => {
    const outer = commandWords(p);
    const w = unwrapRunner(outer) ?? outer;
    const joined = w.join(' ');
    return /^(eslint|prettier|flake8|ruff|pylint|black|isort|mypy|pyright|pytype|bandit|rubocop|golangci-lint|shellcheck|clang-format|clang-tidy|stylelint|pre-commit|prek|codespell|hadolint|yamllint|markdownlint|phpcs|phpstan|psalm|ktlint|detekt|biome)\b/.test(joined)
      || /^(npm|pnpm|yarn|bun)( run)? (lint|format|fmt|prettier|typecheck|type-check|check-format|format:check)\b/.test(joined)
      || /^(python[0-9.]*|py) -m (flake8|pylint|black|isort|mypy|ruff|pyright|pytype|bandit|pre_commit)\b/.test(joined)
      || /^tox (-e|run -e) (lint|typing|type|mypy|style|pep8|flake8|format|pre-commit|docs)\b/.test(joined)
      || /^(go vet|gofmt|cargo fmt|cargo clippy|make (lint|fmt|format|typecheck|check-format|format-check|fmt-check))\b/.test(joined)
      || /^npx (eslint|prettier|tsc --noEmit|stylelint)\b/.test(joined);
  });
}

/** Release/deploy/publish/coverage-upload commands: never part of installing and testing a checkout. */
const RELEASE_PATTERNS: RegExp[] = [
  /\b(npm|yarn|pnpm|bun) (publish|deploy|dist-tag)\b/, /\byarn npm publish\b/, /\btwine upload\b/, /\b(docker|podman) (push|login|tag|manifest)\b/,
  /\bgh (release|pr|api|issue|label|workflow|run)\b/, /\bcargo (publish|login)\b/, /\bgem push\b/, /\b(poetry|flit|hatch|uv|pdm) publish\b/,
  /\bmvn\b.*\bdeploy\b/, /\bgradlew?\b.*\bpublish\w*\b/, /\bcodecov\b/, /\bcoveralls\b/, /\bcodeclimate\b/, /\bsonar-scanner\b/,
  /\baws (s3|ecr|ecs|cloudformation|lambda|deploy)\b/, /\bgcloud\b/, /\bkubectl\b/, /\bhelm (upgrade|install|push)\b/,
  /\bfirebase deploy\b/, /\bvercel\b/, /\bnetlify deploy\b/, /\bgit push\b/, /\bghp-import\b/, /\bmkdocs gh-deploy\b/,
  /\bsemantic-release\b/, /\bchangeset publish\b/, /\blerna publish\b/, /\bdotnet nuget push\b/, /\bnuget push\b/, /\bgoreleaser\b/,
  /(^|[\s/])(release|publish|deploy)[\w-]*\.(sh|bash|py|rb|js|mjs|ts)\b/,
  /\bheroku\b/, /scan\.coverity\.com|\bcov-build\b/, /\bflyctl deploy\b/, /\bwrangler (publish|deploy)\b/, /\bsurge\b/, /\bgh-pages\b/, /\bcosign\b/, /\bscp\b/, /\brsync\b.*@/,
];
export function isReleaseCommand(script: string): boolean {
  return RELEASE_PATTERNS.some((re) => re.test(script));
}

/** Windows PowerShell cmdlets (Verb-Noun) commonly seen in install instructions. */
const PS_CMDLET = /^(Get|Set|New|Remove|Invoke|Install|Import|Add|Start|Stop|Test|Copy|Move|Expand|Write|Out|Enable|Disable|Register|Update)-[A-Z][A-Za-z]+\b/;

/** The platform a command is written for, when its words say so. */
export function platformOfCommand(script: string): Platform | undefined {
  let result: Platform | undefined;
  for (const part of splitScript(script)) {
    const w = commandWords(part);
    const cmd = w[0] ?? '';
    const line = w.join(' ');
    let p: Platform | undefined;
    if (/^(brew|port|xcode-select|softwareupdate|defaults|launchctl|mas|open)$/.test(cmd) || /\.(app|dmg|pkg)\b/.test(line)) p = 'macos';
    else if (/^(choco|winget|scoop|powershell|pwsh|iwr|iex|cmd|msiexec|setx|reg|where|dir|cls|del|copy|xcopy|rmdir|py|vcpkg\.exe|start)$/i.test(cmd) && !(cmd === 'start' || cmd === 'dir' || cmd === 'copy')) p = 'windows';
    else if (PS_CMDLET.test(cmd) || /^\$env:/i.test(cmd) || /^[.&]\s*\\/.test(part) || /^\.\\/.test(cmd)) p = 'windows';
    else if (/\.(exe|bat|cmd|ps1|msi)\b/i.test(cmd) || /^[A-Za-z]:\\/.test(cmd) || /\\Scripts\\activate/i.test(line)) p = 'windows';
    else if (/^set$/i.test(cmd) && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[1] ?? '')) p = 'windows';
    else if (/^(apt-get|apt|yum|dnf|apk|pacman|zypper|snap|dpkg|rpm|systemctl|update-alternatives|add-apt-repository|ldconfig)$/.test(cmd)) p = 'linux';
    if (p === 'windows' || p === 'macos') return p;
    if (p) result = p;
  }
  return result;
}

/** The platform a heading or sentence is about ("On Windows", "macOS", "Ubuntu"…). */
export function platformOfText(text: string): Platform | undefined {
  const t = text.toLowerCase();
  const win = /\bwindows\b|\bwin(32|64|10|11)\b|\bpowershell\b|\bchocolatey\b|\bwinget\b|\bmsvc\b|\bvisual studio\b/.test(t);
  const mac = /\bmac ?os\b|\bos ?x\b|\bmac\b|\bhomebrew\b|\bdarwin\b|\bapple silicon\b/.test(t);
  const linux = /\blinux\b|\bubuntu\b|\bdebian\b|\bfedora\b|\bcentos\b|\brhel\b|\barch\b|\balpine\b|\bunix\b/.test(t);
  const n = Number(win) + Number(mac) + Number(linux);
  if (n !== 1) return undefined; // "Linux and macOS" says nothing decisive
  return win ? 'windows' : mac ? 'macos' : 'linux';
}

/** Placeholders a person must fill in before the command can run. */
export function findPlaceholders(fullCommand: string): string[] {
  // Bounded: the patterns below are cheap on ordinary commands, not on megabytes of brackets.
  const command = fullCommand.length > 4096 ? fullCommand.slice(0, 4096) : fullCommand;
  const found = new Set<string>();
  const add = (s: string) => found.add(s);
  // <your-token>, <path to file>: not redirections (`< file`), not heredocs (`<<EOF`).
  for (const m of command.matchAll(/(^|[^<\w])<([A-Za-z][\w.\-/:]*(?: [\w.\-/:]+)*)>/g)) add(`<${m[2]}>`);
  for (const m of command.matchAll(/\b(?:YOUR|MY)[_-][A-Z0-9_-]+\b/g)) add(m[0]);
  for (const m of command.matchAll(/\b(?:your|my)[_-][a-z0-9_-]+\b/gi)) if (!/^(my|your)[_-]?$/i.test(m[0])) add(m[0]);
  for (const m of command.matchAll(/\{\{\s*[^{}]+?\s*\}\}/g)) {
    const before = command.slice(Math.max(0, (m.index ?? 0) - 1), m.index ?? 0);
    if (before !== '$') add(m[0]);
  }
  for (const m of command.matchAll(/\[[^\]\s]*(?:your|name|path|token|key|user|version|password|here)[^\]]*\]/gi)) add(m[0]);
  for (const m of command.matchAll(/(^|[^\w])([xX]{3,}(?:[-_][xX]{2,})*)(?=$|[^\w])/g)) add(m[2]);
  for (const m of command.matchAll(/(?:^|[\s=])((?:\/|~\/)?path\/to\/[\w.\/-]*)/g)) add(m[1]);
  // Elided arguments: `fd … -X ls`, `cmd ... --flag` (but not Go's `./...`).
  for (const m of command.matchAll(/(?:^|\s)(…|\.\.\.)(?=\s|$)/g)) add(m[1]);
  if (command.includes('…') && !found.has('…')) add('…');
  for (const m of command.matchAll(/\b(?:REPLACE_ME|CHANGEME|CHANGE_ME|TODO_\w+|<\.\.\.>|\.\.\.)(?=\s|$)/g)) if (m[0] !== '...') add(m[0]);
  // Report each placeholder once: `your-token` inside `<your-token>` is the same one.
  const all = [...found];
  return all.filter((p) => !all.some((q) => q !== p && q.includes(p)));
}
