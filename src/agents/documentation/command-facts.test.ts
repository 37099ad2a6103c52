import { describe, expect, it } from 'vitest';
import { findPlaceholders, isLintCommand, isReleaseCommand, platformOfCommand, platformOfText, splitScript, stageOfCommand, stageOfScript } from './command-facts.js';

describe('command facts', () => {
  it('knows the stage of common commands across ecosystems', () => {
    const table: [string, string | undefined][] = [
      ['sudo apt-get install -y libpq-dev', 'system'], ['brew install openssl', 'system'], ['rustup toolchain install stable', 'system'],
      ['npm ci', 'install'], ['yarn', 'install'], ['pnpm install --frozen-lockfile', 'install'], ['pip install -r requirements.txt', 'install'],
      ['python -m pip install -e .', 'install'], ['poetry install --with dev', 'install'], ['uv sync --locked', 'install'], ['bundle install', 'install'],
      ['composer install', 'install'], ['go mod download', 'install'], ['dotnet restore', 'install'], ['git submodule update --init', 'install'],
      ['npm run build', 'build'], ['cargo build --release', 'build'], ['go build ./...', 'build'], ['mvn -B package', 'build'], ['./gradlew assemble', 'build'],
      ['cmake --build build', 'build'], ['./configure --prefix=/usr', 'build'], ['make -j4', 'build'], ['python -m build', 'build'], ['meson setup build', 'build'],
      ['npm test', 'test'], ['npm run test:unit', 'test'], ['yarn test --ci', 'test'], ['pytest -q', 'test'], ['python -m pytest tests', 'test'], ['tox -e py', 'test'],
      ['go test ./...', 'test'], ['cargo test --all', 'test'], ['mvn verify', 'test'], ['./gradlew check', 'test'], ['make check', 'test'], ['ctest --output-on-failure', 'test'],
      ['bundle exec rspec', 'test'], ['vendor/bin/phpunit', 'test'], ['dotnet test', 'test'], ['npx jest --coverage', 'test'], ['uv run --group dev tox run', 'test'],
      ['poetry run pytest', 'test'], ['timeout 600 make test', 'test'], ['xvfb-run -a npm test', 'test'],
      ['pnpm vitest --coverage', 'test'], ['yarn jest --ci', 'test'], ['pnpm exec mocha', 'test'], ['yarn tsc -p .', 'build'], ['pnpm eslint .', 'test'],
      ['npm start', 'run'], ['flask --app hello run', 'run'], ['docker run --rm app', 'run'], ['cargo run -- --help', 'run'], ['python app.py', 'run'],
      ['echo hello', undefined], ['cd src', undefined],
    ];
    for (const [cmd, stage] of table) expect(stageOfCommand(cmd), cmd).toBe(stage);
  });

  it('a Maven or Gradle run that switches the tests off builds; one that runs them tests', () => {
    const table: [string, string][] = [
      ['mvn -B package -Dmaven.test.skip=true', 'build'], ['mvn install -DskipTests', 'build'], ['./mvnw -B verify -DskipTests=true', 'build'],
      ['mvn clean install -Dmaven.test.skip --projects \'!metrics,!test-jpms\'', 'build'], ['mvn -D skipTests verify', 'build'],
      ['mvn verify', 'test'], ['mvn -B test', 'test'], ['mvn verify -DskipTests=false', 'test'], ['mvn test -Dtest=FooTest', 'test'],
      ['mvn -pl test-utils package', 'build'], ['mvn -pl core -am test', 'test'],
      ['./gradlew build -x test', 'build'], ['./gradlew assemble', 'build'], ['gradle build --exclude-task test', 'build'], ['./gradlew build -x :core:test', 'build'],
      ['./gradlew test', 'test'], ['./gradlew check -x javadoc', 'test'], ['./gradlew :app:test', 'test'],
      ['mvn -B dependency:go-offline test clean -U --fail-never -DskipTests=true -f build-pom.xml', 'install'], ['mvn dependency:resolve', 'install'],
    ];
    for (const [cmd, stage] of table) expect(stageOfCommand(cmd), cmd).toBe(stage);
  });

  it('make targets named for tests are test steps, wherever the word sits', () => {
    for (const t of ['make richtest', 'make unittest', 'make test-unit', 'make integration_tests', 'make ci', 'make tests']) expect(stageOfCommand(t), t).toBe('test');
    for (const t of ['make latest', 'make testdata', 'make', 'make all']) expect(stageOfCommand(t), t).toBe('build');
  });

  it('browser downloads for the tests are install steps, whichever runner calls them', () => {
    const table: [string, string | undefined][] = [
      ['pnpm exec playwright install chromium', 'install'], ['npx playwright install --with-deps', 'install'], ['playwright install', 'install'],
      ['yarn playwright install', 'install'], ['npx playwright install-deps', 'system'], ['npx cypress install', 'install'],
      ['npx @puppeteer/browsers install chrome@stable', 'install'], ['npx playwright test', 'test'], ['pnpm exec playwright test', 'test'],
    ];
    for (const [cmd, stage] of table) expect(stageOfCommand(cmd), cmd).toBe(stage);
  });

  it('takes the latest stage of a script and splits only outside quotes', () => {
    expect(splitScript('npm ci && npm run build; echo "a && b" || true\nnpm test')).toEqual(['npm ci', 'npm run build', 'echo "a && b"', 'true', 'npm test']);
    expect(stageOfScript('npm ci && npm run build && npm test')).toBe('test');
    expect(stageOfScript('sudo apt-get update && sudo apt-get install -y gcc')).toBe('system');
  });

  it('tells platforms apart', () => {
    expect(platformOfCommand('brew install x')).toBe('macos');
    expect(platformOfCommand('choco install x')).toBe('windows');
    expect(platformOfCommand('Invoke-WebRequest https://x -OutFile y')).toBe('windows');
    expect(platformOfCommand('set FOO=bar')).toBe('windows');
    expect(platformOfCommand('set -e')).toBeUndefined();
    expect(platformOfCommand('build.bat')).toBe('windows');
    expect(platformOfCommand('sudo apt-get install x && brew install y')).toBe('macos');
    expect(platformOfCommand('npm ci')).toBeUndefined();
    expect(platformOfText('Installing on Windows')).toBe('windows');
    expect(platformOfText('macOS (Homebrew)')).toBe('macos');
    expect(platformOfText('Linux / macOS')).toBeUndefined();
  });

  it('finds placeholders and nothing in ordinary commands', () => {
    expect(findPlaceholders('curl -H "Authorization: Bearer <TOKEN>" https://api')).toEqual(['<TOKEN>']);
    expect(findPlaceholders('export KEY=your_api_key_here')).toEqual(['your_api_key_here']);
    for (const plain of ['pip install "pkg[extra]>=1.0"', 'cat <<EOF > f', 'make 2>&1 | tee log', 'echo $((1 + 2))', 'git log --format="%H"', 'docker run -p 8080:80 app']) {
      expect(findPlaceholders(plain), plain).toEqual([]);
    }
  });

  it('recognises lint-only and release commands', () => {
    expect(isLintCommand('npm run lint')).toBe(true);
    expect(isLintCommand('uv run ruff check .')).toBe(true);
    expect(isLintCommand('npm run lint && npm test')).toBe(false);
    expect(isReleaseCommand('npm publish --access public')).toBe(true);
    expect(isReleaseCommand('docker push ghcr.io/a/b')).toBe(true);
    expect(isReleaseCommand('gh issue close 1')).toBe(true);
    expect(isReleaseCommand('npm test')).toBe(false);
    for (const c of ['./release.sh', 'bash scripts/publish-docs.sh', 'python tools/deploy.py --prod']) expect(isReleaseCommand(c), c).toBe(true);
    for (const c of ['./build-release-notes-tool', 'cargo build --release', './scripts/test.sh']) expect(isReleaseCommand(c), c).toBe(false);
  });
});
