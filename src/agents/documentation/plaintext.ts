/**
 * Command blocks of a plain-text document (README, INSTALL without markup): indented blocks after a
 * blank line, and runs of `$ ` lines. Headings are underlined lines or short ALL-CAPS lines.
 */
import type { DocBlock } from './doc-block.js';

const UNDERLINE = /^([=\-~*#])\1{2,}\s*$/;
const indentOf = (s: string): number => s.length - s.trimStart().length;

export function plainTextBlocks(text: string): DocBlock[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '').replace(/\t/g, '    '));
  const blocks: DocBlock[] = [];
  const headings: string[] = [];
  let lead = '';
  let para: string[] = [];
  let prevBlank = true;

  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    const next = lines[i + 1] ?? '';
    if (l.trim() && indentOf(l) === 0 && UNDERLINE.test(next) && !UNDERLINE.test(l)) {
      headings.length = 0;
      headings.push(l.trim());
      lead = '';
      para = [];
      i += 2;
      prevBlank = true;
      continue;
    }
    if (prevBlank && indentOf(l) === 0 && /^[A-Z][A-Z0-9 ,&/()-]{2,60}:?$/.test(l.trim()) && /[A-Z]{3}/.test(l) && !next.trim()) {
      headings.length = 0;
      headings.push(l.trim().replace(/:$/, ''));
      lead = '';
      para = [];
      i++;
      continue;
    }
    if (!l.trim()) {
      if (para.length) lead = para.join(' ');
      para = [];
      prevBlank = true;
      i++;
      continue;
    }
    const promptLine = /^\s*(\$|%|#)\s+\S/.test(l) && !/^\s*#\s/.test(l) || /^\s*\$\s+\S/.test(l);
    if ((prevBlank && indentOf(l) >= 2) || promptLine) {
      const base = indentOf(l);
      const start = i;
      let end = i;
      let j = i;
      while (j < lines.length) {
        const t = lines[j];
        if (t.trim()) {
          if (promptLine ? indentOf(t) < base : indentOf(t) < Math.min(base, 2)) break;
          end = j + 1;
        } else if (promptLine) break;
        j++;
      }
      const raw = lines.slice(start, end);
      const minIndent = Math.min(...raw.filter((t) => t.trim()).map(indentOf));
      blocks.push({
        lang: '',
        lines: raw.map((t, k) => ({ text: t.trim() ? t.slice(minIndent) : '', line: start + k + 1 })),
        headings: [...headings],
        lead,
        form: promptLine ? 'prompt-lines' : 'indented',
      });
      para = [];
      i = end;
      prevBlank = false;
      continue;
    }
    para.push(l.trim());
    prevBlank = false;
    i++;
  }
  return blocks;
}
