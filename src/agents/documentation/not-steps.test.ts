/**
 * Documentation text that looks like commands but is no step of setting up the checkout: printed
 * output, usage examples with what they print, tutorials that start a server and query it,
 * packaging installs, another project's clone, and inline code in sentences that are not
 * instructions for this repository.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { extractDocs } from './extract.js';
import { cleanupFixtures, cmds, dedent, fence, find, fixtureRepo } from './fixture-repo.js';
import { leadIntroducesOutput, looksLikeOutput } from './not-steps.js';

afterAll(cleanupFixtures);

/** The planner does not plan documentation commands below this confidence (MIN_CONFIDENCE). */
const PLANNED = 0.25;

describe('output shown in shell blocks', () => {
  it('a block announced as output is not commands, nor is a block of messages, URLs and `Key: value` lines', () => {
    const fs = fixtureRepo({
      'README.md': dedent(`
        # srv

        ## TLS

        ${fence}sh
        srv -S -C cert.pem
        ${fence}

        This is what should be output if successful:

        ${fence}sh
        Starting up srv, serving ./ through https

        srv settings:
        CORS: disabled
        Cache: 3600 seconds

        Available on:
          https://127.0.0.1:8080
        Hit CTRL-C to stop the server
        ${fence}
        ${fence}sh
        srv --check cert.pem
        ${fence}

        ## Status

        ${fence}sh
        Listening on:
          http://127.0.0.1:8080
          http://10.0.0.2:8080
        Press Ctrl+C to quit
        ${fence}

        ## Example

        ${fence}shell
        $ srv example:app
        INFO: Started server process [11509]
        INFO: Running on http://127.0.0.1:8000 (Press CTRL+C to quit)
        ${fence}

        To see the output of the checks, run:

        ${fence}sh
        make report
        ${fence}

        # Development

        ${fence}sh
        $ npm i
        $ npm start
        ${fence}
      `),
    });
    const { candidates } = extractDocs(fs);
    expect(cmds(candidates)).toEqual(['srv -S -C cert.pem', 'srv --check cert.pem', 'srv example:app', 'make report', 'npm i', 'npm start']);
  });

  it('recognises the sentences that announce output, and not those that ask to run something', () => {
    for (const lead of ['This is what should be output if successful:', 'You should see something like this when it starts:', 'It prints:', 'print :', 'Example output:', 'Then the server responds with something like:']) {
      expect(leadIntroducesOutput(lead), lead).toBe(true);
    }
    for (const lead of ['To see the output, run:', 'You will see the tests pass after running:', 'Install the dependencies:', 'The following command prints the version of the tool installed', 'Use `--output` to choose the folder:']) {
      expect(leadIntroducesOutput(lead), lead).toBe(false);
    }
    expect(looksLikeOutput([{ text: 'make' }, { text: 'make install' }, { text: 'https://example.com/docs' }])).toBe(false);
  });
});

describe('usage examples', () => {
  it('a prompted one-liner followed by what it prints, outside setup sections, is an example and not planned', () => {
    const fs = fixtureRepo({
      'package.json': '{"name": "dbg"}',
      'README.md': dedent(`
        # dbg

        ## Installation

        ${fence}console
        $ npm ci
        added 3 packages in 1s
        ${fence}

        ## Set dynamically

        Note that calling \`enable()\` overrides the variable:

        ${fence}
        $ DEBUG=foo node -e 'var d = require("dbg"); d.enable("bar"); console.log(d.enabled("foo"))'
        => false
        ${fence}

        ## Version

        ${fence}sh
        node -e "console.log(require('./package.json').version)"
        ${fence}
      `),
    });
    const { candidates } = extractDocs(fs);
    expect(find(candidates, 'npm ci').stage).toBe('install');
    const example = candidates.find((c) => c.command.startsWith('DEBUG=foo node -e'))!;
    expect(example.stage).toBe('run');
    expect(example.confidence).toBeLessThan(PLANNED);
    const oneLiner = find(candidates, `node -e "console.log(require('./package.json').version)"`);
    expect(oneLiner.stage).toBe('run');
    expect(oneLiner.confidence).toBeLessThan(PLANNED);
  });

  it('a one-liner that downloads what the project needs stays an install step', () => {
    const fs = fixtureRepo({ 'README.md': `## Setup\n\n${fence}sh\npip install -r requirements.txt\npython -c "import nltk; nltk.download('punkt')"\n${fence}\n` });
    const { candidates } = extractDocs(fs);
    expect(candidates.map((c) => [c.command, c.stage])).toEqual([['pip install -r requirements.txt', 'install'], [`python -c "import nltk; nltk.download('punkt')"`, 'install']]);
  });
});

describe('tutorials, packaging and other projects', () => {
  it('a section that queries a server on this machine demonstrates running the software; developer sections keep their steps', () => {
    const fs = fixtureRepo({
      'Gemfile': "source 'https://rubygems.org'\ngemspec\n",
      'GETTING-STARTED.md': dedent(`
        # Getting Started

        ## Creating an Application

        ${fence}bash
        $ cat > config.ru << APP
        run ->(env) { [200, {}, ["Hello"]] }
        APP
        $ gem install puma
        $ puma
        ${fence}

        Your app should be available at <http://localhost:9292>.

        ${fence}bash
        $ curl localhost:9292
        Hello World
        ${fence}

        ## Reading Request Bodies

        ${fence}bash
        $ curl -X "POST" "http://localhost:9292/" -d '{ "city": "London" }'
        Hello London
        ${fence}
      `),
      'CONTRIBUTING.md': dedent(`
        ## Running the app locally

        ${fence}sh
        bundle install
        bundle exec rackup
        curl http://127.0.0.1:9292/health
        ${fence}

        ## Tests

        ${fence}sh
        bundle exec rake test
        ${fence}
      `),
    });
    const r = extractDocs(fs);
    expect(cmds(r.candidates)).toEqual(['bundle install', 'bundle exec rackup', 'bundle exec rake test']);
    expect(r.warnings.join('\n')).toMatch(/GETTING-STARTED.md:\d+: the commands of that section demonstrate running the software/);
  });

  it('copying the build into the system (DESTDIR, PREFIX, a generated Makefile) is below what is planned, in the folder its block made; a Makefile install of dependencies is not', () => {
    const packaging = fixtureRepo({
      'CMakeLists.txt': 'project(cj C)\n',
      'README.md': dedent(`
        ## Building

        ${fence}
        mkdir build
        cd build
        cmake ..
        make
        ${fence}

        If you are packaging this for a distribution:

        ${fence}
        mkdir build
        cd build
        cmake .. -DCMAKE_INSTALL_PREFIX=/usr
        make
        make DESTDIR=$pkgdir install
        ${fence}

        ${fence}sh
        sudo make install
        cmake --install build --prefix /opt/cj
        ${fence}
      `),
    });
    const c = extractDocs(packaging).candidates;
    // The folder the block made and moved into stays with the commands that run there.
    expect(cmds(c).slice(0, 3)).toEqual(['mkdir build', 'cd build && cmake ..', 'cd build && make']);
    expect(find(c, 'cd build && make').confidence).toBeGreaterThanOrEqual(0.6);
    for (const cmd of ['cd build && make DESTDIR=$pkgdir install', 'sudo make install', 'cmake --install build --prefix /opt/cj']) expect(find(c, cmd).confidence, cmd).toBeLessThan(PLANNED);

    const deps = fixtureRepo({
      'Makefile': 'install:\n\tpip install -r requirements.txt\n\ntest:\n\tpytest\n',
      'README.md': `## Development\n\n${fence}sh\nmake install\nmake test\n${fence}\n`,
    });
    expect(find(extractDocs(deps).candidates, 'make install').confidence).toBeGreaterThanOrEqual(0.6);
  });

  it('after a clone of another repository and a `cd` into it, the rest of that section builds that project', () => {
    const fs = fixtureRepo({
      'CMakeLists.txt': 'project(cj C)\n',
      'README.md': dedent(`
        # cj

        ## Vcpkg

        You can install cj using the vcpkg dependency manager:

        ${fence}
        git clone https://github.com/example/vcpkg.git
        cd vcpkg
        ./bootstrap-vcpkg.sh
        ./vcpkg integrate install
        vcpkg install cj
        ${fence}

        ## Building

        ${fence}sh
        git clone https://github.com/example/cj.git
        cd cj
        cmake -S . -B build
        ${fence}
      `),
    });
    const r = extractDocs(fs);
    // The second clone's name is not one this checkout is known by, but what follows runs in it.
    expect(cmds(r.candidates)).toEqual(['git clone https://github.com/example/vcpkg.git', 'git clone https://github.com/example/cj.git', 'cd cj', 'cmake -S . -B build']);
    expect(r.warnings.join('\n')).toMatch(/README.md:9: the commands after `cd vcpkg` in that section are for a project made outside the checkout/);
  });
});

describe('inline code in prose', () => {
  it('is not a step in sentences about reproducing an issue or about the reader\'s own project; instructions still count', () => {
    const fs = fixtureRepo({
      'CONTRIBUTING.md': dedent(`
        ### Help Us Help You

        You can make it easier for them if you provide a runnable small project reproducing your issue. Make sure all the necessary dependencies are declared in \`package.json\` so anyone can run \`npm install && npm start\` and reproduce your issue.

        In your own project, run \`npm install mylib\` to use it.

        ## Development

        Fork, then clone the repo. Run \`npm install\` to install dependencies, then use \`npm run build\` to compile.

        Please make sure your code compiles by running \`npm run lint:all\`. Tests can be run via \`node --test ./...\` or \`npm run test:all\`.

        * \`npm run check\` to check the sources and run the tests
      `),
    });
    const { candidates } = extractDocs(fs);
    expect(candidates.map((c) => [c.command, c.stage, c.source.line])).toEqual([
      ['npm install', 'install', 9], ['npm run build', 'build', 9],
      ['npm run lint:all', 'test', 11], ['node --test ./...', 'test', 11], ['npm run test:all', 'test', 11],
      ['npm run check', 'test', 13],
    ]);
  });
});
