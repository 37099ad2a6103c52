/**
 * Access rules of a run's shared state. A rule names an agent (or `*` for every agent) and the key
 * patterns it may read and write. Patterns: an exact key, `prefix.*` (every key under `prefix.`),
 * or `*` (every key). Nothing is allowed unless a rule allows it; write does not imply read.
 */
import type { StatePolicy } from '../protocol/state.js';

export type Access = 'read' | 'write';

/** Whether `pattern` covers `key`. */
export function patternMatches(pattern: string, key: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return key.startsWith(pattern.slice(0, -1));
  return pattern === key;
}

/** The first rule (and pattern) that lets `agentId` access `key`, if any. */
export function findGrant(policy: StatePolicy, agentId: string, key: string, access: Access): { ruleIndex: number; pattern: string } | undefined {
  for (let i = 0; i < policy.rules.length; i++) {
    const rule = policy.rules[i];
    if (rule.agent !== '*' && rule.agent !== agentId) continue;
    const pattern = rule[access].find((p) => patternMatches(p, key));
    if (pattern !== undefined) return { ruleIndex: i, pattern };
  }
  return undefined;
}

export function isAllowed(policy: StatePolicy, agentId: string, key: string, access: Access): boolean {
  return findGrant(policy, agentId, key, access) !== undefined;
}

/**
 * The smallest rule that would allow `agentId` the denied keys: the exact keys, or `prefix.*` when
 * every denied key shares one dotted prefix (so one rule covers a family of keys).
 */
export function suggestRule(agentId: string, keys: string[], access: Access): { agent: string; read: string[]; write: string[] } {
  const prefixes = new Set(keys.map((k) => (k.includes('.') ? k.slice(0, k.indexOf('.')) : '')));
  const patterns = prefixes.size === 1 && !prefixes.has('') && keys.length > 1 ? [`${[...prefixes][0]}.*`] : [...new Set(keys)];
  return { agent: agentId, read: access === 'read' ? patterns : [], write: access === 'write' ? patterns : [] };
}

/** Problems in a policy that zod's shape check cannot see: patterns that would never match as meant. */
export function policyProblems(policy: StatePolicy): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  policy.rules.forEach((rule, i) => {
    for (const access of ['read', 'write'] as const) {
      rule[access].forEach((p, j) => {
        const inner = p === '*' ? '' : p.endsWith('.*') ? p.slice(0, -2) : p;
        if (p !== '*' && (inner === '' || inner.includes('*'))) {
          out.push({ path: ['rules', i, access, j], message: `"${p}" is not a key pattern: use an exact key, "prefix.*" or "*"` });
        }
      });
    }
  });
  return out;
}
