/**
 * Text in documentation that looks like commands but is not a step of installing, building or
 * testing the checkout: a block of what a program prints, a request to a server the reader has
 * just started, a one-line script showing an API, the project's build output copied into the
 * system as a distribution package would.
 */
import type { RepoFs } from '../../repo/repo-fs.js';
import { commandWords, splitScript } from './command-facts.js';
import { isKnownCommandWord } from './shell-block.js';

/**
 * The sentence before a block says the block is what something prints ("This is what should be
 * output if successful:", "You should see:", "It prints:"), unless a request to run something
 * comes after that phrase ("To see the output, run:").
 */
export function leadIntroducesOutput(lead: string): boolean {
  const text = lead.toLowerCase().replace(/\s+/g, ' ').trim();
  // Only the last sentence introduces the block.
  const last = text.split(/(?<=[.!?])\s+(?=\S)/).filter((s) => s.trim()).pop() ?? '';
  // "It prints:", "Output:", "… the server responds with something like this:": the verb ends the sentence.
  if (/^(output|outputs|prints?|result|response|returns?)\s*[:.]?$/.test(last)) return true;
  if (/(?<!\bto )\b(prints|outputs|displays|shows|returns|responds( with)?|produces|will (print|output|display|show|return|respond( with)?|produce))\s*(something\s+)?(like|similar to)?\s*(this|the following|as follows)?\s*[:.]?\s*$/.test(last)) return true;
  // "This is what should be output if successful:", "You should see something like this when it
  // starts:", "Example output:" — anywhere in the sentence, unless a request to run follows.
  const m = /\b(you('ll| will| should| would)? see|should be (output|printed|displayed|shown)|should (output|print|display)|(is|are) (the )?output|(sample|example|expected|typical|resulting) output|output (should|will|would) (be|look))\b/.exec(last);
  return !!m && !/\b(run|running|type|typing|execute|executing|enter|invoke|use|using)\b/.test(last.slice(m.index + m[0].length));
}

/**
 * A line no one would type as a command: a bare URL, a `Key: value` line (`CORS: disabled`,
 * `Available on:`), or a sentence (`Hit CTRL-C to stop the server`).
 */
export function isImplausibleCommandLine(text: string): boolean {
  const t = text.trim();
  if (!t) return false;
  if (/^[a-z][\w+.-]*:\/\/\S*$/i.test(t)) return true;
  const first = t.split(/\s+/)[0];
  if (isKnownCommandWord(first) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(first) || /[/\\$]/.test(first)) return false;
  if (/^[A-Za-z][\w .()/-]*:(\s|$)/.test(t)) return true;
  // Title-case first word of a multi-word line: prose, or a program's message.
  return /^[A-Z][a-z]+$/.test(first) && /\s/.test(t) && !/^(Rscript|R)$/.test(first);
}

/** Whether most lines of a block are not commands (see isImplausibleCommandLine): printed output. */
export function looksLikeOutput(lines: { text: string }[]): boolean {
  const body = lines.map((l) => l.text.trim()).filter((t) => t && !t.startsWith('#'));
  if (body.length === 0) return false;
  // A session with prompts (`$ uvicorn example:app` and the log it prints): the prompts tell.
  if (body.some((t) => /^([$%❯]|PS( [A-Za-z]:[^>]*)?>|[A-Za-z]:\\[^>]*>|[\w.-]+@[\w.-]+\S*\s*[$#])(\s|$)/.test(t))) return false;
  return body.filter(isImplausibleCommandLine).length / body.length > 0.5;
}

/** Whether a line is only a URL (a link shown in a shell block, or printed by a server). */
export function isBareUrl(text: string): boolean {
  return /^[a-z][\w+.-]*:\/\/\S*$/i.test(text.trim());
}

const LOCAL_HOST = /^(?:[a-z]+:\/\/)?(?:[^@/\s]*@)?(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(:\d+)?(\/|$)/i;

/**
 * The command sends a request to a server on this machine (`curl localhost:9292`, `http :8000/`):
 * it needs the reader's server running, so it demonstrates using the software.
 */
export function requestsLocalServer(command: string): boolean {
  return splitScript(command).some((part) => {
    const w = commandWords(part);
    if (!/^(curl|wget|http|https|httpie|xh|grpcurl|websocat|wscat)$/.test(w[0] ?? '')) return false;
    return w.slice(1).some((a) => LOCAL_HOST.test(a.replace(/^["']|["']$/g, '')) || /^:\d+(\/|$)/.test(a));
  });
}

/**
 * `node -e '…'`, `python -c '…'`, `ruby -e`, `perl -e`: a one-line program showing what the
 * library does, never an install step, unless it downloads or installs something itself
 * (`python -c "import nltk; nltk.download('punkt')"`).
 */
export function isEvalOneLiner(command: string): boolean {
  const parts = splitScript(command);
  if (parts.length !== 1) return false;
  const w = commandWords(parts[0]);
  if (!/^(node|nodejs|deno|bun|python[0-9.]*|py|pypy[0-9.]*|ruby|perl|php)$/.test(w[0] ?? '')) return false;
  if (!w.slice(1).some((a) => /^-(e|c|p|r|-eval|-print)$/.test(a))) return false;
  return !/\b(download|install|setup|bootstrap|ensurepip|fetch)\b/i.test(command);
}

/**
 * The command copies the built project into the system, as a distribution package would
 * (`make DESTDIR=$pkgdir install`, `sudo make install`, `cmake --install build`, `ninja -C build
 * install`, `meson install`): not a step of installing the checkout's dependencies. A plain `make
 * install` counts only when the Makefile it would run is generated (absent from the checkout) or
 * installs under a prefix; `install: pip install -r requirements.txt` is a dependency install.
 */
export function installsIntoSystem(command: string, fs: RepoFs, cwd: string | undefined): boolean {
  return splitScript(command).some((part) => {
    const all = part.trim().split(/\s+/);
    const w = commandWords(part);
    const sudo = all[0] === 'sudo' || all[0] === 'doas';
    const prefixed = all.some((a) => /^(DESTDIR|PREFIX|prefix|INSTALL_ROOT|INSTALL_PREFIX)=/.test(a));
    if (w[0] === 'cmake' && w.includes('--install')) return true;
    if (w[0] === 'meson' && w[1] === 'install') return true;
    if (w[0] === 'checkinstall') return true;
    if (!/^(make|gmake|ninja|samu)$/.test(w[0] ?? '')) return false;
    const targets = w.slice(1).filter((a, i, arr) => !a.startsWith('-') && !/^[A-Za-z_]\w*=/.test(a) && !/^-[Cf]$/.test(arr[i - 1] ?? ''));
    if (!targets.some((t) => /^install(-strip)?$/.test(t))) return false;
    if (sudo || prefixed || w[0] !== 'make' && w[0] !== 'gmake') return true;
    const dirFlag = w.findIndex((a) => a === '-C');
    const dir = dirFlag >= 0 ? w[dirFlag + 1] : undefined;
    const base = [cwd, dir].filter(Boolean).join('/');
    const makefile = ['GNUmakefile', 'makefile', 'Makefile'].map((n) => (base ? `${base}/${n}` : n)).find((p) => fs.isFile(p));
    if (!makefile) return true; // generated by ./configure or cmake: an install into the system
    const text = fs.read(makefile, 256 * 1024)?.text ?? '';
    return /\$[({](DESTDIR|PREFIX|prefix|bindir|libdir|includedir|INSTALL_\w+)[)}]|\/usr\/local\b/.test(text);
  });
}
