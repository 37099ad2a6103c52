import type { BlockLine } from './shell-block.js';

/** A code block found in a document, with what surrounds it; the same shape for every format. */
export interface DocBlock {
  /** Declared language (`bash`, `console`, `` for none). */
  lang: string;
  lines: BlockLine[];
  /** Headings above the block, outermost first. */
  headings: string[];
  /** Text just before the block in the same section ("To run the tests:"). */
  lead: string;
  /** How the block was written, which bears on how sure we are that it holds commands. */
  form: 'fenced' | 'indented' | 'directive' | 'literal' | 'prompt-lines' | 'inline';
}
