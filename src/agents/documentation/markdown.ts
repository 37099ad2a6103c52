/** Code blocks of a Markdown document, found with remark (mdast `code` nodes give lang and position). */
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import type { Nodes, Root } from 'mdast';
import type { DocBlock } from './doc-block.js';

const parser = unified().use(remarkParse);

/** Plain text of an mdast node (headings, paragraphs). */
function textOf(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string' && node.type !== 'code' && node.type !== 'html') return node.value;
  if ('children' in node) return (node.children as Nodes[]).map(textOf).join('');
  return '';
}

export function markdownBlocks(text: string): DocBlock[] {
  const tree = parser.parse(text) as Root;
  const srcLines = text.split('\n');
  const blocks: DocBlock[] = [];
  const headingStack: { depth: number; text: string }[] = [];
  let lead = '';

  const visit = (node: Nodes): void => {
    switch (node.type) {
      case 'heading': {
        while (headingStack.length && headingStack[headingStack.length - 1].depth >= node.depth) headingStack.pop();
        headingStack.push({ depth: node.depth, text: textOf(node).trim() });
        lead = '';
        return;
      }
      case 'paragraph': {
        const t = textOf(node).trim();
        // Bold-only lines act as small headings in many READMEs ("**On Windows:**").
        lead = t;
        return;
      }
      case 'code': {
        const start = node.position?.start.line ?? 1;
        const startText = srcLines[start - 1] ?? '';
        const fenced = /^\s*(>\s*)*(```|~~~)/.test(startText) || /^\s*([-*+]|\d+[.)])\s+(```|~~~)/.test(startText);
        const first = fenced ? start + 1 : start;
        const lines = node.value.split('\n').map((t, i) => ({ text: t, line: first + i }));
        blocks.push({
          lang: (node.lang ?? '').toLowerCase(),
          lines,
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
