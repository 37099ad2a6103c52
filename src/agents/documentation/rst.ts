/**
 * Code blocks of a reStructuredText document: `.. code-block::`, `.. code::`, `.. sourcecode::`,
 * `.. prompt::` directives and `::` literal blocks, each the indented lines that follow. Section
 * titles are the lines underlined (and optionally overlined) with punctuation.
 */
import type { DocBlock } from './doc-block.js';

const ADORNMENT = /^([=\-~^"'`#*+_:.<>])\1{2,}\s*$/;
const DIRECTIVE = /^(\s*)\.\.\s+(code-block|code|sourcecode|prompt|highlight|tab|tab-item|group-tab|only)::\s*(.*)$/i;

const indentOf = (s: string): number => s.length - s.trimStart().length;

export function rstBlocks(text: string): DocBlock[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '').replace(/\t/g, '        '));
  const blocks: DocBlock[] = [];
  const styles: string[] = [];
  const stack: { level: number; text: string }[] = [];
  let lead = '';
  let para: string[] = [];
  let defaultLang = '';

  const setHeading = (style: string, title: string) => {
    let level = styles.indexOf(style);
    if (level < 0) { styles.push(style); level = styles.length - 1; }
    while (stack.length && stack[stack.length - 1].level >= level) stack.pop();
    stack.push({ level, text: title.trim() });
    lead = '';
    para = [];
  };

  /** Collect the indented body starting at `from`, deeper than `baseIndent`. Returns [lines, next index]. */
  const body = (from: number, baseIndent: number): [{ text: string; line: number }[], number] => {
    let i = from;
    while (i < lines.length && !lines[i].trim()) i++;
    const start = i;
    let end = i;
    while (i < lines.length) {
      const l = lines[i];
      if (l.trim() && indentOf(l) <= baseIndent) break;
      if (l.trim()) end = i + 1;
      i++;
    }
    const raw = lines.slice(start, end);
    const minIndent = Math.min(...raw.filter((l) => l.trim()).map(indentOf));
    return [raw.map((t, k) => ({ text: t.trim() ? t.slice(minIndent) : '', line: start + k + 1 })), Math.max(end, start)];
  };

  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    const next = lines[i + 1] ?? '';
    // Overlined title: ===\nTitle\n===
    if (ADORNMENT.test(l) && lines[i + 1]?.trim() && ADORNMENT.test(lines[i + 2] ?? '') && (lines[i + 2] ?? '')[0] === l[0]) {
      setHeading(`over${l[0]}`, lines[i + 1]);
      i += 3;
      continue;
    }
    if (l.trim() && indentOf(l) === 0 && !ADORNMENT.test(l) && ADORNMENT.test(next) && next.trim().length >= Math.min(l.trim().length, 3) && !l.startsWith('..')) {
      setHeading(next[0], l);
      i += 2;
      continue;
    }
    const d = DIRECTIVE.exec(l);
    if (d) {
      const kind = d[2].toLowerCase();
      const arg = d[3].trim();
      if (kind === 'highlight') { defaultLang = arg.split(/\s+/)[0] ?? ''; i++; continue; }
      if (kind === 'tab' || kind === 'tab-item' || kind === 'group-tab' || kind === 'only') {
        lead = arg; // a tab title ("Windows", "macOS") is context for the blocks inside it
        i++;
        continue;
      }
      // Skip directive options (":linenos:", ":caption: …").
      let j = i + 1;
      while (j < lines.length && lines[j].trim().startsWith(':') && indentOf(lines[j]) > d[1].length) j++;
      const [blk, after] = body(j, d[1].length);
      const lang = arg.split(/\s+/)[0] ?? '';
      if (blk.length) blocks.push({ lang: lang.toLowerCase(), lines: blk, headings: stack.map((s) => s.text), lead, form: 'directive' });
      para = [];
      i = Math.max(after, i + 1);
      continue;
    }
    if (!l.trim()) {
      if (para.length) lead = para.join(' ').trim();
      // A paragraph ending in "::" introduces a literal block.
      const last = para[para.length - 1] ?? '';
      if (last.trimEnd().endsWith('::') && !/^\s*\.\.\s/.test(last)) {
        const paraIndent = indentOf(lines[i - 1] ?? '');
        lead = lead.replace(/::\s*$/, lead.trimEnd().endsWith(' ::') ? '' : ':').trim();
        const [blk, after] = body(i + 1, paraIndent);
        if (blk.length && indentOf(lines[blk[0].line - 1]) > paraIndent) {
          blocks.push({ lang: defaultLang.toLowerCase(), lines: blk, headings: stack.map((s) => s.text), lead, form: 'literal' });
          para = [];
          i = after;
          continue;
        }
      }
      para = [];
      i++;
      continue;
    }
    if (/^\s*\.\.\s/.test(l)) { i++; continue; } // other directives and comments
    para.push(l.trim());
    i++;
  }
  return blocks;
}
