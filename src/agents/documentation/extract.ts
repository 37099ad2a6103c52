/**
 * Documentation extraction: the commands a repository's README, INSTALL, CONTRIBUTING and docs/
 * pages tell a person to run, each with its file and line, stage, platform, placeholders and a
 * confidence that reflects where it was written.
 */
import { createHash } from 'node:crypto';
import type { RepoFs } from '../../repo/repo-fs.js';
import type { CandidateStep, Platform, Stage } from '../../protocol/plan.js';
import { findDocFiles, formatOf, type DocFormat } from './find-docs.js';
import { markdownBlocks } from './markdown.js';
import { rstBlocks } from './rst.js';
import { plainTextBlocks } from './plaintext.js';
import { asciidocBlocks } from './asciidoc.js';
import type { DocBlock } from './doc-block.js';
import { classifyLang, commandsInBlock, definesShellFunctions, isConsoleLang, isKnownCommandWord, looksLikeShellBlock } from './shell-block.js';
import { findPlaceholders, isLintCommand, isReleaseCommand, platformOfCommand, stageOfScript, commandWords, splitScript } from './command-facts.js';
import { isReleaseSection, sectionFacts, SECTION_CONFIDENCE } from './sections.js';
import { projectIdentity, repoNameFromUrl, type ProjectIdentity } from './project-identity.js';
import { installsIntoSystem, isBareUrl, isEvalOneLiner, leadIntroducesOutput, looksLikeOutput, requestsLocalServer } from './not-steps.js';

export interface DocumentInfo {
  path: string;
  kind: string;
  bytes: number;
  sha256: string;
}

export interface DocsExtraction {
  candidates: CandidateStep[];
  documents: DocumentInfo[];
  warnings: string[];
}

/** Bytes read from one document at most (a prefix of larger files is used). */
export const MAX_DOC_BYTES = 512 * 1024;
/** Commands taken from one document at most; beyond that a README is a tutorial, not a setup guide. */
export const MAX_COMMANDS_PER_DOC = 200;

export function extractDocs(fs: RepoFs): DocsExtraction {
  const candidates: CandidateStep[] = [];
  const documents: DocumentInfo[] = [];
  const warnings: string[] = [];
  const identity = projectIdentity(fs);
  const limit = Math.min(fs.maxFileBytes, MAX_DOC_BYTES);

  for (const doc of findDocFiles(fs)) {
    if (fs.isSymlink(doc.path) && !fs.safePath(doc.path)) {
      warnings.push(`${doc.path} is a symbolic link that leads outside the repository (or nowhere); not read`);
      continue;
    }
    const r = fs.read(doc.path, limit);
    if (!r) {
      if (fs.isFile(doc.path)) warnings.push(`${doc.path} looks binary; not read as documentation`);
      continue;
    }
    if (r.truncated) warnings.push(`${doc.path} is ${r.bytes} bytes; only the first ${limit} bytes were read`);
    if (r.lossy) warnings.push(`${doc.path} is not valid UTF-8; invalid bytes were replaced`);
    documents.push({ path: doc.path, kind: doc.kind, bytes: r.bytes, sha256: createHash('sha256').update(r.text).digest('hex') });

    const format = formatOf(doc.path, r.text);
    let blocks: DocBlock[];
    try {
      blocks = format === 'markdown' ? markdownBlocks(r.text) : format === 'rst' ? rstBlocks(r.text) : format === 'asciidoc' ? asciidocBlocks(r.text) : plainTextBlocks(r.text);
    } catch (e) {
      warnings.push(`${doc.path} could not be parsed as ${format}: ${(e as Error).message}`);
      continue;
    }
    let found: CandidateStep[];
    try {
      found = candidatesFromBlocks(blocks, { path: doc.path, kind: doc.kind, format }, fs, identity, warnings);
    } catch (e) {
      // A bug on one odd document must not cost the others.
      warnings.push(`${doc.path}: commands could not be extracted (${(e as Error).message})`);
      continue;
    }
    if (found.length > MAX_COMMANDS_PER_DOC) {
      warnings.push(`${doc.path} has more than ${MAX_COMMANDS_PER_DOC} commands; only the first ${MAX_COMMANDS_PER_DOC} were kept`);
      found.length = MAX_COMMANDS_PER_DOC;
    }
    candidates.push(...found);
  }
  return { candidates, documents, warnings };
}

interface DocInfo {
  path: string;
  kind: string;
  format: DocFormat;
}

/** Contribution-workflow git commands: about publishing changes, not building the checkout. */
const GIT_HOUSEKEEPING = /^git\s+(remote|fetch|pull|push|checkout|switch|commit|add|rebase|merge|branch|status|diff|log|stash|tag|cherry-pick|reset|config|init)\b/;

function candidatesFromBlocks(blocks: DocBlock[], doc: DocInfo, fs: RepoFs, identity: ProjectIdentity, warnings: string[] = []): CandidateStep[] {
  const out: CandidateStep[] = [];
  // A clone in one block is often followed by `cd <repo>` in the next.
  let clonedName: string | undefined;
  // After `cd` into a project the reader just created elsewhere (`express /tmp/foo && cd /tmp/foo`,
  // `npm init thing my-app` then `cd my-app`), the rest of that section is about that project.
  let elsewhere: { section: string; line: number; target: string } | undefined;
  // Sections that send requests to a server on this machine (`curl localhost:9292`) demonstrate
  // running the software: outside developer/test/build sections, none of their commands
  // (writing the reader's app, starting the server) is a step of setting up the checkout.
  const demos = demoSections(blocks);
  // In a contributor's guide, running the app and querying it is part of developing it.
  const developerDoc = /^(contribut|develop|hacking)/i.test(doc.path.split('/').pop() ?? '');
  const demoWarned = new Set<string>();
  let previousBlock: DocBlock | undefined;
  for (const block of blocks) {
    const sectionKey = block.headings.join('\0');
    // The sentence before a block introduces that block; a second block right after it (no
    // prose between) has the same lead but is not what the sentence announced.
    const leadIsFresh = !previousBlock || previousBlock.form === 'inline' || previousBlock.lead !== block.lead || previousBlock.headings.join('\0') !== sectionKey;
    previousBlock = block;
    if (elsewhere && elsewhere.section !== sectionKey) {
      warnings.push(`${doc.path}:${elsewhere.line}: the commands after \`cd ${elsewhere.target}\` in that section are for a project made outside the checkout; left out`);
      elsewhere = undefined;
    }
    if (elsewhere) continue;
    if (out.length > MAX_COMMANDS_PER_DOC) break; // the caller reports the cut
    const langKind = classifyLang(block.lang);
    if (langKind === 'other') continue;
    const consoleMode = isConsoleLang(block.lang);
    if (langKind === 'unknown' && !looksLikeShellBlock(block.lines, consoleMode)) continue;
    if (isReleaseSection(block.headings) || definesShellFunctions(block.lines)) continue;
    // What a program prints, announced by the sentence before it or shown by its lines.
    if (block.form !== 'inline' && langKind !== 'windows' && ((leadIsFresh && leadIntroducesOutput(block.lead)) || looksLikeOutput(block.lines))) continue;
    const section = sectionFacts(block.headings, block.lead, doc.kind);
    const demo = demos.get(sectionKey);
    if (demo && !developerDoc && (section.kind === 'usage' || section.kind === 'other' || section.kind === 'install')) {
      if (!demoWarned.has(sectionKey)) {
        demoWarned.add(sectionKey);
        warnings.push(`${doc.path}:${demo}: the commands of that section demonstrate running the software (a request to a server on this machine); left out`);
      }
      continue;
    }
    const cmds = commandsInBlock(block.lines, { consoleMode, windows: langKind === 'windows' });

    let base = SECTION_CONFIDENCE[section.kind];
    if (langKind === 'unknown') base -= 0.05;
    if (doc.format === 'text') base -= 0.05;
    if (block.form === 'literal' || block.form === 'indented') base -= 0.05;
    if (block.form === 'inline') base -= 0.25; // a mention in prose, not a block to copy

    let cwd: string | undefined;
    let previous: string[] = [];
    // Folder of another repository this block cloned (`git clone …/vcpkg.git`): a `cd` into it
    // leaves the checkout, and what follows builds that project.
    let otherClone: string | undefined;
    // Folders this block makes (`mkdir build`, `cmake -B build`), and the one it moved into
    // (relative to cwd): `cd build` then `cmake ..` runs as `cd build && cmake ..`, since the
    // folder does not exist until the block runs.
    const made = new Set<string>();
    let madeDir: string | undefined;
    for (const [i, c] of cmds.entries()) {
      let command = c.command;
      if (isBareUrl(command) || requestsLocalServer(command)) continue;
      for (const dir of foldersMade(command)) {
        const at = normaliseCwd(madeDir ? [cwd, madeDir].filter(Boolean).join('/') : cwd, dir);
        if (at !== undefined && at !== '.') made.add(at);
      }
      const words = commandWords(command);
      const leaves = leavesCheckout(command, previous, fs, cwd, clonedName, identity) ?? entersOtherClone(command, otherClone, fs, cwd, cmds.slice(i + 1).map((x) => x.command));
      previous = words;
      if (leaves) {
        elsewhere = { section: sectionKey, line: c.line, target: leaves };
        break;
      }
      // `git clone <this repository>` and the `cd` into it: the checkout already exists.
      if (words[0] === 'git' && words[1] === 'clone') {
        const { url, dir } = cloneArgs(words.slice(2));
        const name = (dir ?? (url ? repoNameFromUrl(url) : '')).toLowerCase();
        if (!url || identity.repoNames.has(name) || identity.repoNames.has(repoNameFromUrl(url)) || findPlaceholders(url).length > 0) {
          clonedName = name;
          continue;
        }
        otherClone = name || undefined;
      }
      const cdMatch = /^cd\s+("?)([^\s"&;|]+)\1\s*(?:&&\s*([\s\S]*))?$/.exec(command);
      const intoMade = cdMatch ? enterMade(cdMatch[2].replace(/\/+$/, ''), cwd, madeDir, made, fs) : undefined;
      if (cdMatch && intoMade) {
        madeDir = intoMade.dir;
        if (!cdMatch[3]) continue;
        command = cdMatch[3];
      } else if (cdMatch) {
        const target = cdMatch[2].replace(/\/+$/, '');
        const rest = cdMatch[3];
        const joined = normaliseCwd(cwd, target);
        const intoCheckout = target.toLowerCase() === clonedName || identity.repoNames.has(target.toLowerCase()) || /^<.*>$/.test(target);
        // `cd <repo>` after a clone, or into a folder named like the repository that the checkout
        // does not contain (a tarball's top folder): we are already there.
        if (intoCheckout && (clonedName !== undefined || !fs.isDir(target))) {
          clonedName = undefined;
          if (!rest) continue;
          command = rest;
        } else if (joined !== undefined && fs.isDir(joined) && !fs.isSymlink(joined)) {
          cwd = joined === '.' ? undefined : joined;
          if (!rest) continue;
          command = rest;
        } else if (joined === '.' ) {
          cwd = undefined;
          if (!rest) continue;
          command = rest;
        }
      } else {
        clonedName = undefined;
      }
      if (/^(exit|clear|cls|logout|deactivate)$/.test(command.trim()) || GIT_HOUSEKEEPING.test(command.trim())) continue;
      if (isReleaseCommand(command)) continue; // `npm publish`, `./release.sh`: maintainers releasing, not building
      if (/^-/.test(command)) continue; // `--theme="TwoDark"`: a line of a config file shown in a shell block
      const bare = command;
      if (madeDir) command = `cd ${madeDir} && ${command}`;
      else {
        // `mkdir -p build && cd build` on one line: the next lines run in build.
        const last = /(?:&&|;)\s*cd\s+("?)([^\s"&;|]+)\1\s*$/.exec(command);
        const into = last ? enterMade(last[2].replace(/\/+$/, ''), cwd, undefined, made, fs) : undefined;
        if (into) madeDir = into.dir;
      }

      const needsInput = findPlaceholders(command);
      const cmdPlatform = c.platform ?? platformOfCommand(command);
      const platform: Platform = cmdPlatform === 'windows' || cmdPlatform === 'macos'
        ? cmdPlatform
        : section.platform ?? cmdPlatform ?? (langKind === 'windows' ? 'windows' : 'any');
      const byCommand = stageOfScript(command);
      let stage: Stage = byCommand ?? section.stage ?? defaultStage(doc.kind);
      let confidence = base;
      // Neither the command nor the section says what this is, and its first word is not a known
      // tool or a file of the checkout: most likely an example of the project's own CLI.
      const first = commandWords(bare)[0] ?? '';
      if (!byCommand && !isKnownCommandWord(first) && !first.includes('/') && !fs.exists(first)) {
        if (!section.stage || section.stage === 'run') stage = 'run';
        confidence -= 0.15;
      }
      // `$ DEBUG=foo node -e '…'` followed by `=> false`: an example of using the project, shown
      // with what it prints, in a section that is not about developing, building or installing.
      const example = !byCommand && c.followedByOutput && (section.kind === 'usage' || section.kind === 'other');
      if (example || (isEvalOneLiner(command) && (stage === 'install' || stage === 'system'))) {
        stage = 'run';
        confidence = Math.min(confidence, SECTION_CONFIDENCE.usage) - 0.2;
      }
      if (needsInput.length) confidence -= 0.15;
      if (isLintCommand(command)) confidence -= 0.2; // style checks: weak evidence of how to test
      if (installsPublishedSelf(command, identity)) confidence = section.kind === 'usage' ? 0.15 : 0.2;
      // Copying the build into the system (`make DESTDIR=$pkgdir install`) is what packagers do,
      // not a step of setting up the checkout: below what the planner plans.
      if (installsIntoSystem(command, fs, cwd)) confidence = Math.min(confidence, 0.2);
      out.push({
        stage,
        command,
        ...(cwd ? { cwd } : {}),
        source: { kind: 'docs', file: doc.path, line: c.line, detail: detailOf(doc.format, block.form) },
        confidence: round(Math.max(0.05, Math.min(0.85, confidence))),
        platform,
        ...(needsInput.length ? { needsInput } : {}),
        ...(block.lang ? { context: block.lang } : {}),
      });
    }
  }
  if (elsewhere) warnings.push(`${doc.path}:${elsewhere.line}: the commands after \`cd ${elsewhere.target}\` in that section are for a project made outside the checkout; left out`);
  return out;
}

/** Folders a command creates: `mkdir [-p] a b`, `cmake -B build`, `meson setup build`. */
function foldersMade(command: string): string[] {
  const out: string[] = [];
  for (const part of splitScript(command)) {
    const w = commandWords(part);
    if (w[0] === 'mkdir') out.push(...w.slice(1).filter((a) => !a.startsWith('-')));
    else if (w[0] === 'cmake') {
      const b = w.findIndex((a) => a === '-B' || /^-B\S/.test(a));
      if (b >= 0) out.push(w[b] === '-B' ? w[b + 1] ?? '' : w[b].slice(2));
    } else if (w[0] === 'meson' && w[1] === 'setup') {
      const dir = w.slice(2).find((a) => !a.startsWith('-'));
      if (dir) out.push(dir);
    }
  }
  return out.map((d) => d.replace(/^["']|["']$/g, '').replace(/\/+$/, '')).filter((d) => d && !/[$*?<>]/.test(d));
}

/**
 * `cd <target>` into a folder this block made that the checkout does not have (or back out of
 * it): the new made-folder position relative to cwd, `dir: undefined` when back at cwd.
 */
function enterMade(target: string, cwd: string | undefined, madeDir: string | undefined, made: Set<string>, fs: RepoFs): { dir: string | undefined } | undefined {
  const here = [cwd, madeDir].filter(Boolean).join('/') || undefined;
  const joined = normaliseCwd(here, target);
  if (joined === undefined) return undefined;
  const base = cwd ?? '.';
  if (madeDir && joined === base) return { dir: undefined };
  if (!made.has(joined) || fs.isDir(joined)) return undefined;
  const rel = cwd ? (joined.startsWith(`${cwd}/`) ? joined.slice(cwd.length + 1) : undefined) : joined;
  return rel ? { dir: rel } : undefined;
}

/** Sections (by heading key) with a request to a local server, each with the line of the first. */
function demoSections(blocks: DocBlock[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const block of blocks) {
    const key = block.headings.join('\0');
    if (out.has(key) || block.form === 'inline') continue;
    const kind = classifyLang(block.lang);
    if (kind === 'other' || kind === 'windows') continue;
    const request = commandsInBlock(block.lines, { consoleMode: isConsoleLang(block.lang) }).find((c) => requestsLocalServer(c.command));
    if (request) out.set(key, request.line);
  }
  return out;
}

/**
 * `cd vcpkg` right after `git clone …/vcpkg.git`, into a folder the checkout does not have, when
 * what follows runs a file this checkout lacks (`./bootstrap-vcpkg.sh`): the clone is another
 * project, not this one under a name we did not recognise (then `cmake -S . -B build` finds our
 * CMakeLists.txt).
 */
function entersOtherClone(command: string, otherClone: string | undefined, fs: RepoFs, cwd: string | undefined, later: string[]): string | undefined {
  if (!otherClone) return undefined;
  const m = /(?:^|&&|;)\s*cd\s+("?)([^\s"&;|]+)\1\s*(?:&&([\s\S]*))?$/.exec(command);
  if (!m) return undefined;
  const target = m[2].replace(/\/+$/, '');
  if (target.toLowerCase() !== otherClone) return undefined;
  const joined = normaliseCwd(cwd, target);
  if (joined !== undefined && fs.isDir(joined)) return undefined;
  const file = [m[3] ?? '', ...later].map((x) => commandWords(x)[0] ?? '').find((w) => w.includes('/') && !/^(\/|~|\$)/.test(w));
  return file && !fs.exists(normaliseCwd(cwd, file) ?? file) ? target : undefined;
}

/** Programs whose last argument names a folder of this build (`mkdir -p build`, `meson setup build`). */
const MAKES_BUILD_DIR = /^(mkdir|cmake|meson|ninja|mv|cp|tar|unzip|git|ln|python[0-9.]*|virtualenv|conda|uv)$/;

/**
 * The command moves into a folder outside the checkout: an absolute or home path (`cd /tmp/foo`,
 * `express /tmp/foo && cd /tmp/foo`), or a folder the checkout lacks that the previous command
 * just created as its last argument (`npm init thing my-app`, then `cd my-app`). Returns the
 * folder, or undefined. The checkout itself (after a clone, or by the repository's name) is not
 * outside.
 */
function leavesCheckout(command: string, previous: string[], fs: RepoFs, cwd: string | undefined, clonedName: string | undefined, identity: ProjectIdentity): string | undefined {
  const m = /(?:^|&&|;)\s*cd\s+("?)([^\s"&;|]+)\1\s*(?:&&[\s\S]*)?$/.exec(command);
  if (!m) return undefined;
  const target = m[2].replace(/\/+$/, '');
  const lower = target.toLowerCase();
  if (lower === clonedName || identity.repoNames.has(lower) || identity.repoNames.has(lower.split('/').pop() ?? '') || /^<.*>$/.test(target)) return undefined;
  if (/^(\/|~|\$\{?HOME\b)/.test(target)) return target;
  const joined = normaliseCwd(cwd, target);
  if (joined === undefined || fs.isDir(joined)) return undefined;
  // `npm init thing my-app` and then `cd my-app`, or both in one line.
  const before = m.index > 0 ? commandWords(command.slice(0, m.index).replace(/(&&|;)\s*$/, '')) : previous;
  const made = before.length > 1 && before[before.length - 1] === target && !MAKES_BUILD_DIR.test(before[0]);
  return made ? target : undefined;
}

/** URL and target folder of `git clone [options] <url> [dir]`, skipping options and their values. */
function cloneArgs(args: string[]): { url?: string; dir?: string } {
  const withValue = new Set(['-c', '--config', '-b', '--branch', '-o', '--origin', '--depth', '--reference', '-j', '--jobs', '--filter', '-u', '--upload-pack', '--separate-git-dir', '--template', '--shallow-since', '--shallow-exclude']);
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (withValue.has(args[i])) { i++; continue; }
    if (args[i].startsWith('-')) continue;
    rest.push(args[i]);
  }
  return { url: rest[0], dir: rest[1] };
}

function defaultStage(kind: string): Stage {
  return kind === 'building' ? 'build' : 'install';
}

function detailOf(format: string, form: DocBlock['form']): string {
  return `${format}-${form === 'fenced' || form === 'directive' ? 'code-block' : form}`;
}

function normaliseCwd(cwd: string | undefined, target: string): string | undefined {
  if (target.startsWith('/') || target.startsWith('~') || target.includes('$')) return undefined;
  const parts = (cwd ? cwd.split('/') : []).concat(target.split('/'));
  const out: string[] = [];
  for (const p of parts) {
    if (!p || p === '.') continue;
    if (p === '..') {
      if (!out.length) return undefined;
      out.pop();
    } else out.push(p);
  }
  return out.length ? out.join('/') : '.';
}

/** `pip install <this project>` (from the registry, not the checkout) and its npm/gem/cargo kin. */
function installsPublishedSelf(command: string, identity: ProjectIdentity): boolean {
  if (!identity.packageNames.size && !identity.repoNames.size) return false;
  const w = commandWords(command);
  let args: string[] = [];
  if (/^pip[0-9.]*$|^pipx$/.test(w[0] ?? '') && w[1] === 'install') args = w.slice(2);
  else if (/^python[0-9.]*$/.test(w[0] ?? '') && w[1] === '-m' && w[2] === 'pip' && w[3] === 'install') args = w.slice(4);
  else if (/^(npm|pnpm|bun)$/.test(w[0] ?? '') && /^(install|i|add)$/.test(w[1] ?? '')) args = w.slice(2);
  else if (w[0] === 'yarn' && w[1] === 'add') args = w.slice(2);
  else if (/^(gem|cargo|uv)$/.test(w[0] ?? '') && (w[1] === 'install' || (w[0] === 'uv' && w[1] === 'add'))) args = w.slice(2);
  else if (w[0] === 'go' && (w[1] === 'install' || w[1] === 'get')) args = w.slice(2);
  else if (/^(apt-get|apt|dnf|yum|zypper|pacman|apk|brew|port|choco|scoop|winget|snap|flatpak|emerge|nix-env|pkg|pkg_add|pkgin|pkgman|xbps-install|flox|guix|conda|mamba|pipx|cargo|spack)$/.test(w[0] ?? '')) {
    // System package managers installing the project's own released package (`brew install ripgrep`).
    const names = w.slice(1).filter((a) => !a.startsWith('-') && !/^(install|add|in|-S|binstall|-i)$/.test(a))
      .flatMap((a) => [a, ...a.toLowerCase().split(/[/.:]/)]);
    const own = new Set([...identity.packageNames, ...identity.repoNames]);
    if (/^(install|add|in|-S|-Sy|binstall|-i|--install|-iA)$/.test(w[1] ?? '') || /^(pkg_add|xbps-install|emerge)$/.test(w[0]) || w.includes('--install') || w.includes('-iA')) {
      return names.some((n) => own.has(n.toLowerCase().replace(/_/g, '-')));
    }
    return false;
  }
  return args
    .filter((a) => !a.startsWith('-'))
    .map((a) => a.replace(/^["']|["']$/g, '').replace(/\[.*\]$/, '').replace(/(@[^/]*|[=<>~!].*)$/, '').toLowerCase().replace(/_/g, '-'))
    .some((a) => identity.packageNames.has(a) || identity.packageNames.has(a.replace(/\/\.\.\.$/, '')));
}

const round = (n: number): number => Math.round(n * 100) / 100;
