/**
 * Code blocks of a Markdown document, found with remark (mdast `code` nodes give lang and
 * position). remark costs milliseconds per kilobyte, so only the first REMARK_BYTES of a long
 * document go through it; the rest is read with a line scanner for fenced blocks and ATX/setext
 * headings, which is what matters for commands and costs almost nothing.
 */
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import type { Nodes, Root } from 'mdast';
import type { DocBlock } from './doc-block.js';
import { looksLikeCommandLine } from './shell-block.js';

/** Bytes of a document given to remark; beyond this the line scanner takes over. */
export const REMARK_BYTES = 32 * 1024;

const parser = unified().use(remarkParse);

type HeadingStack = { depth: number; text: string }[];

/** Plain text of an mdast node (headings, paragraphs). */
function textOf(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string' && node.type !== 'code' && node.type !== 'html') return node.value;
  if ('children' in node) return (node.children as Nodes[]).map(textOf).join('');
  return '';
}

function pushHeading(stack: HeadingStack, depth: number, text: string): void {
  while (stack.length && stack[stack.length - 1].depth >= depth) stack.pop();
  stack.push({ depth, text });
}

const INLINE_VERB = /\b(run|running|execute|type|use|invoke|call|with)\b/i;

/**
 * The sentence around inline code at [start, end) of a paragraph asks the reader to run it for
 * this repository: a run verb comes before the code in that sentence, and the sentence is not
 * about someone else's project or a reproduction ("…declared in `package.json` so anyone can run
 * `npm install && npm start` and reproduce your issue").
 */
function instructsReader(paragraph: string, start: number, end: number): boolean {
  const before = paragraph.slice(0, start);
  const sentenceStart = Math.max(before.search(/[.!?]\s+(?=[^.!?]*$)/) + 1, 0);
  const afterEnd = paragraph.slice(end).search(/[.!?](\s|$)/);
  const sentence = paragraph.slice(sentenceStart, afterEnd < 0 ? paragraph.length : end + afterEnd);
  // The verb before the code ("Run `npm ci`"), or the code opening a sentence that says what it
  // does ("`./gradlew check` to check the sources and run the tests").
  const opens = /^[\s*+\-\d.)]*$/.test(paragraph.slice(sentenceStart, start));
  if (!INLINE_VERB.test(paragraph.slice(sentenceStart, start)) && !(opens && INLINE_VERB.test(sentence))) return false;
  return !/\b(reproduc\w*|repro|anyone|someone|others|other people|your (own )?(project|app|application)('s)?)\b/i.test(sentence);
}

const FENCE_OPEN = /^(\s*(?:(?:[-*+]|\d+[.)])\s+)?)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;

export function markdownBlocks(text: string): DocBlock[] {
  const lines = text.split('\n');
  let cutLine = lines.length;
  if (text.length > REMARK_BYTES) {
    // Cut at a line boundary outside any fence so both halves see whole blocks.
    let bytes = 0;
    let fence: string | undefined;
    for (let i = 0; i < lines.length; i++) {
      // Outside a fence if possible; inside one only when a giant block would take remark too far.
      if ((bytes > REMARK_BYTES && !fence) || bytes > 2 * REMARK_BYTES) { cutLine = i; break; }
      bytes += lines[i].length + 1;
      const m = FENCE_OPEN.exec(lines[i]);
      if (fence) { if (lines[i].trim().startsWith(fence) && lines[i].trim().replace(/[`~]/g, '') === '') fence = undefined; }
      else if (m) fence = m[2];
    }
  }
  const head = cutLine < lines.length ? lines.slice(0, cutLine).join('\n') : text;
  const stack: HeadingStack = [];
  const blocks = remarkBlocks(head, stack);
  if (cutLine < lines.length) blocks.push(...scanBlocks(lines, cutLine, stack));
  return blocks;
}

function remarkBlocks(text: string, headingStack: HeadingStack): DocBlock[] {
  const tree = parser.parse(text) as Root;
  const srcLines = text.split('\n');
  const blocks: DocBlock[] = [];
  let lead = '';

  const visit = (node: Nodes): void => {
    switch (node.type) {
      case 'heading':
        pushHeading(headingStack, node.depth, textOf(node).trim());
        lead = '';
        return;
      case 'paragraph': {
        lead = textOf(node).trim();
        // "Run `make test` to check your changes": inline code after an imperative verb.
        if (INLINE_VERB.test(lead)) {
          let offset = 0;
          // Inline code masked, so that `go test ./...` does not end a sentence.
          const masked = node.children.map((c) => (c.type === 'inlineCode' ? c.value.replace(/[.!?]/g, '_') : textOf(c))).join('');
          for (const child of node.children) {
            const at = offset;
            offset += textOf(child).length;
            if (child.type !== 'inlineCode' || !looksLikeCommandLine(child.value) || child.value.trim().split(/\s+/).length < 2) continue;
            if (!instructsReader(masked, at, at + child.value.length)) continue;
            blocks.push({
              lang: '',
              lines: [{ text: child.value, line: child.position?.start.line ?? 1 }],
              headings: headingStack.map((h) => h.text),
              lead,
              form: 'inline',
            });
          }
        }
        return;
      }
      case 'code': {
        const start = node.position?.start.line ?? 1;
        const startText = srcLines[start - 1] ?? '';
        const fenced = /^\s*(>\s*)*(```|~~~)/.test(startText) || /^\s*([-*+]|\d+[.)])\s+(```|~~~)/.test(startText);
        const first = fenced ? start + 1 : start;
        // MyST (Sphinx Markdown): ```{code-block} bash — the language is the directive's argument.
        const myst = /^\{(code-block|code|sourcecode|prompt)\}$/i.test(node.lang ?? '');
        const lang = myst ? (node.meta ?? '').trim().split(/\s+/)[0] ?? '' : node.lang ?? '';
        // MyST directive options (":caption: x") open the block; they are not commands.
        const value = myst ? node.value.replace(/^(\s*:[\w-]+:.*\n)+/, (m) => '\n'.repeat(m.split('\n').length - 1)) : node.value;
        blocks.push({
          lang: lang.toLowerCase(),
          lines: value.split('\n').map((t, i) => ({ text: t, line: first + i })),
          headings: headingStack.map((h) => h.text),
          lead,
          form: fenced ? 'fenced' : 'indented',
        });
        return;
      }
      default:
        if ('children' in node) for (const c of node.children as Nodes[]) visit(c);
    }
  };
  visit(tree);
  return blocks;
}

/** Fenced blocks and headings of lines[from..], by lines; for the tail of long documents. */
function scanBlocks(lines: string[], from: number, stack: HeadingStack): DocBlock[] {
  const blocks: DocBlock[] = [];
  let para: string[] = [];
  let lead = '';
  for (let i = from; i < lines.length; i++) {
    const l = lines[i];
    const atx = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(l);
    if (atx) { pushHeading(stack, atx[1].length, atx[2]); lead = ''; para = []; continue; }
    if (l.trim() && /^ {0,3}(=+|-+)\s*$/.test(lines[i + 1] ?? '') && para.length === 0 && !FENCE_OPEN.test(l)) {
      pushHeading(stack, lines[i + 1].trim().startsWith('=') ? 1 : 2, l.trim());
      lead = '';
      i++;
      continue;
    }
    const open = FENCE_OPEN.exec(l);
    if (open) {
      const indent = open[1].length;
      const fence = open[2];
      const body: { text: string; line: number }[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const t = lines[j];
        if (t.trim().startsWith(fence[0].repeat(fence.length)) && t.trim().replace(/[`~]/g, '') === '') break;
        const strip = Math.min(indent, t.length - t.trimStart().length);
        body.push({ text: t.slice(strip), line: j + 1 });
      }
      if (para.length) lead = para.join(' ');
      blocks.push({ lang: open[3].toLowerCase(), lines: body, headings: stack.map((h) => h.text), lead, form: 'fenced' });
      para = [];
      i = j;
      continue;
    }
    if (!l.trim()) { if (para.length) lead = para.join(' '); para = []; continue; }
    para.push(l.trim());
  }
  return blocks;
}
