/**
 * Code blocks of an AsciiDoc document (README.adoc, common in Java projects): `[source,bash]`
 * (or `[,bash]`) above a `----` block, plain `----` listing and `....` literal blocks; section
 * titles are lines starting with `=`.
 */
import type { DocBlock } from './doc-block.js';

const TITLE = /^(={1,6})\s+(\S.*)$/;
const ATTR = /^\[(?:source)?\s*,\s*([\w+-]+)[^\]]*\]\s*$|^\[source\]\s*$/;
const DELIM = /^(-{4,}|\.{4,})\s*$/;

export function asciidocBlocks(text: string): DocBlock[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const blocks: DocBlock[] = [];
  const stack: { depth: number; text: string }[] = [];
  let lead = '';
  let para: string[] = [];
  let lang: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const title = TITLE.exec(l);
    if (title) {
      while (stack.length && stack[stack.length - 1].depth >= title[1].length) stack.pop();
      stack.push({ depth: title[1].length, text: title[2].trim() });
      lead = '';
      para = [];
      lang = undefined;
      continue;
    }
    const attr = ATTR.exec(l);
    if (attr) { lang = attr[1] ?? ''; continue; }
    const delim = DELIM.exec(l);
    if (delim) {
      const body: { text: string; line: number }[] = [];
      let j = i + 1;
      for (; j < lines.length && lines[j].trim() !== delim[1]; j++) body.push({ text: lines[j], line: j + 1 });
      if (para.length) lead = para.join(' ');
      blocks.push({ lang: (lang ?? '').toLowerCase(), lines: body, headings: stack.map((s) => s.text), lead, form: lang !== undefined ? 'directive' : 'literal' });
      para = [];
      lang = undefined;
      i = j;
      continue;
    }
    if (!l.trim()) { if (para.length) lead = para.join(' '); para = []; continue; }
    if (/^(\.[A-Za-z]|:\w[\w-]*:|\/\/)/.test(l)) continue; // block titles, attributes, comments
    lang = undefined;
    para.push(l.trim());
  }
  return blocks;
}
