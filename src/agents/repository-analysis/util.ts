/**
 * Small helpers shared by the ecosystem detectors: tolerant manifest parsing (a malformed
 * manifest becomes a warning, never a crash), line lookup for provenance, step construction.
 */
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { XMLParser } from 'fast-xml-parser';
import type { CandidateStep, Stage } from '../../protocol/plan.js';
import type { DetectContext } from './types.js';

/** Repository-relative path of `file` inside folder `dir`. */
export function rel(dir: string, file: string): string {
  return dir === '.' || dir === '' ? file : `${dir}/${file}`;
}

/** Read a text file of the project folder; undefined when absent, binary or escaping the tree. */
export function readText(ctx: DetectContext, file: string, limit?: number): string | undefined {
  const r = ctx.fs.read(rel(ctx.dir.dir, file), limit);
  if (!r) {
    // Listed by the walk but not readable as text: binary content, or a link out of the tree.
    if (ctx.dir.files.has(file)) ctx.warn(`${rel(ctx.dir.dir, file)} is binary, unreadable or a link outside the repository; ignored`);
    return undefined;
  }
  if (r.truncated) ctx.warn(`${rel(ctx.dir.dir, file)} is larger than ${Math.round((limit ?? ctx.fs.maxFileBytes) / 1024)} KiB; only its beginning was read`);
  return r.text;
}

function short(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].slice(0, 160);
}

export function readJsonObject(ctx: DetectContext, file: string): Record<string, unknown> | undefined {
  const text = readText(ctx, file);
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text.replace(/^\uFEFF/, ''));
    if (isRecord(v)) return v;
    ctx.warn(`${rel(ctx.dir.dir, file)} is not a JSON object; ignored`);
  } catch (e) {
    ctx.warn(`${rel(ctx.dir.dir, file)} is not valid JSON (${short(e)}); its contents were ignored`);
  }
  return undefined;
}

export function readTomlObject(ctx: DetectContext, file: string): Record<string, unknown> | undefined {
  const text = readText(ctx, file);
  if (text === undefined) return undefined;
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (e) {
    ctx.warn(`${rel(ctx.dir.dir, file)} is not valid TOML (${short(e)}); its contents were ignored`);
    return undefined;
  }
}

export function readYamlValue(ctx: DetectContext, file: string): unknown {
  const text = readText(ctx, file);
  if (text === undefined) return undefined;
  try {
    return parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    ctx.warn(`${rel(ctx.dir.dir, file)} is not valid YAML (${short(e)}); its contents were ignored`);
    return undefined;
  }
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', processEntities: false, parseTagValue: false });

export function readXmlObject(ctx: DetectContext, file: string): Record<string, unknown> | undefined {
  const text = readText(ctx, file);
  if (text === undefined) return undefined;
  try {
    const v: unknown = xml.parse(text, true);
    if (isRecord(v)) return v;
  } catch (e) {
    ctx.warn(`${rel(ctx.dir.dir, file)} is not valid XML (${short(e)}); its contents were ignored`);
    return undefined;
  }
  ctx.warn(`${rel(ctx.dir.dir, file)} is not valid XML; its contents were ignored`);
  return undefined;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asRecord(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

/** Map of string values only (dependency tables where values may be objects become "*"-ish specs). */
export function depMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(asRecord(v))) {
    if (typeof val === 'string') out[k] = val;
    else if (isRecord(val)) out[k] = asString(val.version) ?? (val.git ? `git:${String(val.git)}` : val.path ? `path:${String(val.path)}` : '*');
    else out[k] = '*';
  }
  return out;
}

/** 1-based line of the first match of `re` in `text`. */
export function lineOf(text: string | undefined, re: RegExp): number | undefined {
  if (!text) return undefined;
  const m = re.exec(text);
  if (!m) return undefined;
  let line = 1;
  for (let i = 0; i < m.index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Which version manager files pin a language version: the first one present wins. */
export function firstLine(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const line = text.split(/\r?\n/).map((l) => l.replace(/#.*/, '').trim()).find((l) => l.length > 0);
  return line && line.length <= 64 ? line : undefined;
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface StepSpec {
  stage: Stage;
  command: string;
  /** Manifest file (relative to the project folder) the step is derived from. */
  file?: string;
  line?: number;
  /** `manifest` when the manifest states it (a script, a lockfile); `default` for a convention. */
  kind?: 'manifest' | 'default';
  confidence?: number;
  detail?: string;
}

export function step(ctx: DetectContext, s: StepSpec): CandidateStep {
  const kind = s.kind ?? 'manifest';
  return {
    stage: s.stage,
    command: s.command,
    ...(ctx.dir.dir !== '.' ? { cwd: ctx.dir.dir } : {}),
    source: {
      kind,
      ...(s.file ? { file: rel(ctx.dir.dir, s.file) } : {}),
      ...(s.line ? { line: s.line } : {}),
      detail: s.detail ?? 'manifest-default',
    },
    confidence: s.confidence ?? (kind === 'manifest' ? 0.6 : 0.45),
    platform: 'any',
  };
}

/** Whether the folder holds a file whose name matches. */
export function hasFile(ctx: DetectContext, name: string | RegExp): boolean {
  if (typeof name === 'string') return ctx.dir.files.has(name);
  for (const f of ctx.dir.files) if (name.test(f)) return true;
  return false;
}

export function filesMatching(ctx: DetectContext, re: RegExp): string[] {
  return [...ctx.dir.files].filter((f) => re.test(f)).sort();
}

/** Whether a sub-folder exists in the project folder (not tracked by the manifest walk). */
export function hasDir(ctx: DetectContext, name: string): boolean {
  return ctx.fs.isDir(rel(ctx.dir.dir, name));
}

/** Convert a workspace glob (`packages/*`, `apps/**`, `tools/x`) to a matcher over folder paths. */
export function globMatcher(base: string, pattern: string): (dir: string) => boolean {
  let p = pattern.trim().replace(/^\.\//, '').replace(/\/+$/, '');
  const negate = p.startsWith('!');
  if (negate) p = p.slice(1);
  const full = base === '.' ? p : `${base}/${p}`;
  const re = new RegExp('^' + full.split('/').map((seg) => seg === '**' ? '.*' : escapeRe(seg).replace(/\\\*/g, '[^/]*').replace(/\\\?/g, '[^/]')).join('/').replace(/\/\.\*$/, '(/.*)?') + '$');
  return (dir: string) => re.test(dir);
}

/** Folders matched by `!` exclude patterns of a workspace. */
export function excludedMembers(ctx: DetectContext, patterns: string[], marker: (files: Set<string>) => boolean): string[] {
  const excludes = patterns.filter((p) => p.trim().startsWith('!')).map((p) => globMatcher(ctx.dir.dir, p.trim().slice(1)));
  return ctx.allDirs.filter((d) => d.dir !== ctx.dir.dir && marker(d.files) && excludes.some((m) => m(d.dir))).map((d) => d.dir);
}

/** Workspace member folders among the manifest folders, from include globs (and `!` excludes). */
export function matchMembers(ctx: DetectContext, patterns: string[], marker: (files: Set<string>) => boolean): string[] {
  const includes = patterns.filter((p) => !p.trim().startsWith('!')).map((p) => globMatcher(ctx.dir.dir, p));
  const excludes = patterns.filter((p) => p.trim().startsWith('!')).map((p) => globMatcher(ctx.dir.dir, p.trim().slice(1)));
  return ctx.allDirs
    .filter((d) => d.dir !== ctx.dir.dir && marker(d.files))
    .map((d) => d.dir)
    .filter((d) => includes.some((m) => m(d)) && !excludes.some((m) => m(d)))
    .sort();
}

/** No steps for a project whose main manifest cannot be read (its tool would fail on it too). */
export function unreadable(ctx: DetectContext, file: string, what: string): CandidateStep[] {
  ctx.warn(`no ${what} steps planned for ${ctx.dir.dir === '.' ? 'the root' : ctx.dir.dir}: ${file} could not be read`);
  return [];
}
