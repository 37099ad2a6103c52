/**
 * Which documents to read: the usual top-level files (README, INSTALL, CONTRIBUTING, HACKING,
 * BUILDING…) in any case and extension, `.github/` community files, and a bounded number of likely
 * pages under docs/ (install, getting started, development, contributing, testing).
 */
import type { RepoFs } from '../../repo/repo-fs.js';

export type DocFormat = 'markdown' | 'rst' | 'asciidoc' | 'text';

export interface DocFile {
  path: string;
  /** readme | install | contributing | hacking | building | development | docs */
  kind: string;
}

export const MAX_DOC_FILES = 16;
export const MAX_DOCS_DIR_FILES = 10;

const DOC_EXT = /(\.(md|markdown|mdown|mkd|mkdn|mdx|rst|rest|adoc|asciidoc|txt|text))?$/i;
const TOP = /^(readme|install|installation|installing|contributing|hacking|building|development|developing|getting[-_]?started)(\.(md|markdown|mdown|mkd|mkdn|mdx|rst|rest|adoc|asciidoc|txt|text))?$/i;
const DOCS_PAGE = /^(\d+[-_])?(install|installation|installing|getting[-_ ]?started|get[-_]started|quick[-_]?start|quickstart|development|developing|developer|dev[-_]?(guide|setup|env)|contributing|contribute|building|build|setup|testing|tests|hacking|from[-_]source|compil(e|ing))/i;
const DOCS_DIRS = ['docs', 'doc', 'documentation', 'Documentation', 'Docs'];
const DOCS_SUBDIRS = /^(source|src|content|en|guide|guides|development|developer|dev|contributing|getting-started|user|user-guide|install|installation)$/i;

function kindOf(name: string, inDocs: boolean): string {
  const n = name.toLowerCase();
  if (inDocs) return 'docs';
  if (n.startsWith('readme')) return 'readme';
  if (n.startsWith('install')) return 'install';
  if (n.startsWith('contribut')) return 'contributing';
  if (n.startsWith('hacking')) return 'hacking';
  if (n.startsWith('building')) return 'building';
  if (n.startsWith('develop')) return 'development';
  if (n.startsWith('getting')) return 'install';
  return 'docs';
}

const ORDER = ['readme', 'install', 'building', 'development', 'contributing', 'hacking', 'docs'];

/** Names of files in a folder (symlinks included: RepoFs refuses those that escape). */
function filesIn(fs: RepoFs, dir: string): string[] {
  return fs.list(dir).filter((e) => e.file || e.symlink).map((e) => e.name).sort();
}

export function findDocFiles(fs: RepoFs): DocFile[] {
  const found: DocFile[] = [];
  const seen = new Set<string>();
  const add = (path: string, kind: string) => {
    if (seen.has(path.toLowerCase())) return;
    seen.add(path.toLowerCase());
    found.push({ path, kind });
  };
  const top = filesIn(fs, '.').filter((n) => TOP.test(n));
  // Prefer the richest variant first when several exist (README.md before README.txt).
  for (const n of top) add(n, kindOf(n, false));
  for (const n of filesIn(fs, '.github').filter((x) => /^(contributing|development|building)/i.test(x) && DOC_EXT.test(x))) add(`.github/${n}`, kindOf(n, false));
  found.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));

  let fromDocs = 0;
  for (const d of DOCS_DIRS) {
    if (!fs.isDir(d) || fs.isSymlink(d)) continue;
    const candidates: string[] = filesIn(fs, d).filter((n) => DOCS_PAGE.test(n) && /\.(md|markdown|mdx|rst|rest|adoc|txt)$/i.test(n)).map((n) => `${d}/${n}`);
    for (const e of fs.list(d)) {
      if (!e.dir || e.symlink || !DOCS_SUBDIRS.test(e.name) && !DOCS_PAGE.test(e.name)) continue;
      const sub = `${d}/${e.name}`;
      for (const n of filesIn(fs, sub)) {
        if ((DOCS_PAGE.test(n) || (DOCS_PAGE.test(e.name) && /^(index|readme)\./i.test(n))) && /\.(md|markdown|mdx|rst|rest|adoc|txt)$/i.test(n)) candidates.push(`${sub}/${n}`);
      }
    }
    candidates.sort((a, b) => pageRank(a) - pageRank(b) || a.split('/').length - b.split('/').length || a.localeCompare(b));
    for (const c of candidates) {
      if (fromDocs >= MAX_DOCS_DIR_FILES) break;
      add(c, 'docs');
      fromDocs++;
    }
  }
  return found.slice(0, MAX_DOC_FILES);
}

/** Pages most likely to say how to set up a checkout come first when docs/ has many. */
function pageRank(path: string): number {
  const name = (path.split('/').pop() ?? '').toLowerCase().replace(/^\d+[-_]/, '');
  if (/^install/.test(name)) return 0;
  if (/^(getting|get[-_]started|quick)/.test(name)) return 1;
  if (/^(develop|dev[-_]|contribut|hacking)/.test(name)) return 2;
  if (/^(build|from[-_]source|compil)/.test(name)) return 3;
  if (/^setup/.test(name)) return 4;
  return 5;
}

function rank(path: string): number {
  const ext = path.toLowerCase().split('.').pop() ?? '';
  if (/^(md|markdown|mdown|mkd|mkdn|mdx)$/.test(ext)) return 0;
  if (ext === 'rst' || ext === 'rest') return 1;
  if (ext === 'adoc' || ext === 'asciidoc') return 2;
  return 3;
}

/** The markup a document is written in: by extension, else by what its text looks like. */
export function formatOf(path: string, text: string): DocFormat {
  const name = path.split('/').pop() ?? path;
  if (/\.(md|markdown|mdown|mkd|mkdn|mdx)$/i.test(name)) return 'markdown';
  if (/\.(rst|rest)$/i.test(name)) return 'rst';
  if (/\.(adoc|asciidoc)$/i.test(name)) return 'asciidoc';
  const head = text.slice(0, 20_000);
  if (/^(```|~~~)/m.test(head) || /^#{1,6} \S/m.test(head)) return 'markdown';
  if (/^\.\. [\w-]+::/m.test(head) || /::\s*\n\s*\n {2,}\S/.test(head)) return 'rst';
  return 'text';
}
