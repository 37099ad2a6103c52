/**
 * Loads and validates the error-pattern library and the system-package map once. A broken entry in
 * the data is a programming error caught by the tests, so loading throws with the JSON path.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseOrThrow } from '../../protocol/validate.js';
import { ErrorPattern } from './pattern-schema.js';

export interface CompiledPattern extends ErrorPattern {
  regex: RegExp;
  fixRegexes: (RegExp | undefined)[];
}

const SystemPackageMap = z.object({
  headers: z.record(z.string(), z.string()),
  libraries: z.record(z.string(), z.string()),
  pkgConfig: z.record(z.string(), z.string()),
  commands: z.record(z.string(), z.string()),
  pythonImports: z.record(z.string(), z.string()),
});
export type SystemPackageMap = z.infer<typeof SystemPackageMap>;

let patterns: CompiledPattern[] | undefined;
let packages: SystemPackageMap | undefined;

function readJson(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8'));
}

export function errorPatterns(): CompiledPattern[] {
  if (!patterns) {
    const raw = parseOrThrow(z.array(ErrorPattern), readJson('error-patterns.json'), 'error-patterns.json');
    const ids = new Set<string>();
    patterns = raw.map((p) => {
      if (ids.has(p.id)) throw new Error(`error-patterns.json: duplicate id ${p.id}`);
      ids.add(p.id);
      return { ...p, regex: new RegExp(p.match, p.flags), fixRegexes: p.fixes.map((f) => (f.appliesTo ? new RegExp(f.appliesTo) : undefined)) };
    });
  }
  return patterns;
}

export function systemPackages(): SystemPackageMap {
  if (!packages) {
    const raw = readJson('system-packages.json') as Record<string, unknown>;
    delete raw._comment;
    packages = parseOrThrow(SystemPackageMap, raw, 'system-packages.json');
  }
  return packages;
}
