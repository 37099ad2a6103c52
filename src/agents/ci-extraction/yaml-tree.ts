/**
 * CI YAML read into a small tree that keeps the line of every key and value and the original text
 * of scalars (`python-version: 3.10` stays "3.10", not 3.1). Aliases and `<<` merge keys are
 * resolved, so GitLab/CircleCI templates read like plain maps.
 */
import { parseDocument, LineCounter, isAlias, isMap, isScalar, isSeq, type Document, type Node as YamlNode } from 'yaml';

export type YNode = YMap | YSeq | YScalar;
export interface YMap { kind: 'map'; line: number; entries: { key: string; keyLine: number; value: YNode }[] }
export interface YSeq { kind: 'seq'; line: number; items: YNode[] }
export interface YScalar { kind: 'scalar'; line: number; value: string | null }

export class YamlFileError extends Error {}

const MAX_DEPTH = 64;
/** Aliases are expanded; a bound on nodes stops "billion laughs" documents. */
const MAX_NODES = 100_000;

interface Budget { nodes: number; aliases?: Map<object, YamlNode> }

/** Parse YAML text; throws YamlFileError with the parser's first message when it is malformed. */
export function parseYamlTree(text: string): YNode | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new YamlFileError(e.message.split('\n')[0].replace(/:\s*$/, ''));
  }
  if (!doc.contents) return undefined;
  const budget: Budget = { nodes: 0 };
  const tree = convert(doc.contents as YamlNode, doc, lc, 0, budget);
  if (budget.nodes > MAX_NODES) throw new YamlFileError(`expands to more than ${MAX_NODES} nodes (alias bomb?)`);
  return tree;
}

function lineOf(node: { range?: [number, number, number] | null } | null | undefined, lc: LineCounter): number {
  const off = node?.range?.[0];
  return off === undefined ? 1 : lc.linePos(off).line;
}

function convert(node: YamlNode | null | undefined, doc: Document, lc: LineCounter, depth: number, budget: Budget): YNode {
  if (depth > MAX_DEPTH || ++budget.nodes > MAX_NODES) return { kind: 'scalar', line: lineOf(node, lc), value: null };
  if (isAlias(node)) {
    // Alias.resolve searches the whole document; cache per alias node.
    let target = budget.aliases?.get(node);
    if (!target) {
      target = node.resolve(doc) as YamlNode | undefined;
      if (target) (budget.aliases ??= new Map()).set(node, target);
    }
    return convert(target, doc, lc, depth + 1, budget);
  }
  if (isMap(node)) {
    const entries: YMap['entries'] = [];
    const merged: YMap['entries'] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const key = isScalar(keyNode) ? String(keyNode.value ?? '') : '';
      const value = convert(pair.value as YamlNode | null, doc, lc, depth + 1, budget);
      if (key === '<<') {
        const sources = value.kind === 'seq' ? value.items : [value];
        for (const s of sources) if (s.kind === 'map') merged.push(...s.entries);
        continue;
      }
      entries.push({ key, keyLine: lineOf(keyNode, lc), value });
    }
    // Keys written in the map win over merged ones.
    for (const m of merged) if (!entries.some((e) => e.key === m.key)) entries.push(m);
    return { kind: 'map', line: lineOf(node, lc), entries };
  }
  if (isSeq(node)) {
    return { kind: 'seq', line: lineOf(node, lc), items: node.items.map((i) => convert(i as YamlNode, doc, lc, depth + 1, budget)) };
  }
  if (isScalar(node)) {
    const v = node.value;
    const value = v === null || v === undefined ? null : typeof v === 'string' ? v : (node.source ?? String(v));
    return { kind: 'scalar', line: lineOf(node, lc), value };
  }
  return { kind: 'scalar', line: lineOf(node, lc), value: null };
}

export function get(node: YNode | undefined, key: string): YNode | undefined {
  if (node?.kind !== 'map') return undefined;
  for (let i = node.entries.length - 1; i >= 0; i--) if (node.entries[i].key === key) return node.entries[i].value;
  return undefined;
}

export function entry(node: YNode | undefined, key: string): YMap['entries'][number] | undefined {
  if (node?.kind !== 'map') return undefined;
  return node.entries.find((e) => e.key === key);
}

export function str(node: YNode | undefined): string | undefined {
  return node?.kind === 'scalar' && node.value !== null ? node.value : undefined;
}

/** A scalar or a list of scalars, as strings with their lines. */
export function strList(node: YNode | undefined): { value: string; line: number }[] {
  if (!node) return [];
  if (node.kind === 'scalar') return node.value === null ? [] : [{ value: node.value, line: node.line }];
  if (node.kind === 'seq') {
    return node.items.flatMap((i) => (i.kind === 'scalar' && i.value !== null ? [{ value: i.value, line: i.line }] : i.kind === 'seq' ? strList(i) : []));
  }
  return [];
}

/** The map's entries as a plain string record (non-scalar values skipped). */
export function strRecord(node: YNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (node?.kind !== 'map') return out;
  for (const e of node.entries) if (e.value.kind === 'scalar' && e.value.value !== null) out[e.key] = e.value.value;
  return out;
}

/** Plain JS value of a node (for matrix values). */
export function toPlain(node: YNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(toPlain);
  return Object.fromEntries(node.entries.map((e) => [e.key, toPlain(e.value)]));
}

/** Minimal view of RepoFs needed here (kept structural to avoid a dependency cycle). */
interface ReadsText {
  read(rel: string, limit?: number): { text: string; truncated: boolean } | undefined;
  isFile(rel: string): boolean;
}

/**
 * Read and parse one CI YAML file. Problems become a warning naming the file, so the rest of the
 * repository's evidence is still extracted; undefined then.
 */
export function loadYamlFile(fs: ReadsText, file: string, warnings: string[], limit = 256 * 1024): YNode | undefined {
  if (!fs.isFile(file)) return undefined;
  const r = fs.read(file, limit);
  if (!r) {
    warnings.push(`${file} could not be read (binary, or a link leading outside the repository); skipped`);
    return undefined;
  }
  if (r.truncated) {
    warnings.push(`${file} is larger than ${limit} bytes; skipped`);
    return undefined;
  }
  try {
    return parseYamlTree(r.text);
  } catch (e) {
    if (!(e instanceof YamlFileError)) throw e;
    warnings.push(`${file} is not valid YAML (${e.message}); skipped`);
    return undefined;
  }
}
