/**
 * Read test counts from a test runner's output, so a run can say "the tests ran and 3 of 120
 * failed" instead of "the step failed". Each parser looks for its runner's closing summary; when
 * several runners' summaries appear (monorepos, `npm test` running two tools) their counts add up.
 */
import type { TestCounts } from '../../protocol/run.js';
import { stripAnsi } from './ansi.js';

type Parser = { framework: string; parse(text: string): Omit<TestCounts, 'framework'> | undefined };

const num = (s: string | undefined): number => (s ? Number(s) : 0);

function sumMatches(text: string, re: RegExp, fn: (m: RegExpExecArray) => { passed: number; failed: number; skipped: number }) {
  let found = false;
  const acc = { passed: 0, failed: 0, skipped: 0 };
  for (const m of text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))) {
    found = true;
    const r = fn(m as RegExpExecArray);
    acc.passed += r.passed;
    acc.failed += r.failed;
    acc.skipped += r.skipped;
  }
  return found ? acc : undefined;
}

/** "1 failed, 2 passed, 1 skipped" style lists, in any order. */
function countsFromList(list: string): { passed: number; failed: number; skipped: number } {
  const get = (words: string) => {
    const m = new RegExp(`(\\d+) (?:${words})\\b`).exec(list);
    return m ? Number(m[1]) : 0;
  };
  return {
    passed: get('passed|passing|pass'),
    failed: get('failed|failing|fail|errors?'),
    skipped: get('skipped|pending|todo|ignored|xfailed|deselected'),
  };
}

const parsers: Parser[] = [
  {
    // jest: "Tests:       1 failed, 1 skipped, 2 passed, 4 total"
    framework: 'jest',
    parse: (t) => sumMatches(t, /^Tests:\s+(.*\d+ total)$/m, (m) => countsFromList(m[1])),
  },
  {
    // vitest: "      Tests  1 failed | 2 passed | 1 skipped (4)"
    framework: 'vitest',
    parse: (t) => sumMatches(t, /^\s*Tests\s{2,}((?:\d+ \w+(?: \| )?)+)\s*\(\d+\)/m, (m) => countsFromList(m[1].replace(/\|/g, ','))),
  },
  {
    // mocha: "  2 passing (12ms)" / "  1 failing" / "  1 pending"
    framework: 'mocha',
    parse: (t) => {
      const p = /^\s*(\d+) passing \(/m.exec(t);
      if (!p) return undefined;
      const f = /^\s*(\d+) failing$/m.exec(t);
      const s = /^\s*(\d+) pending$/m.exec(t);
      return { passed: num(p[1]), failed: num(f?.[1]), skipped: num(s?.[1]) };
    },
  },
  {
    // node:test (spec reporter "ℹ pass 3", TAP "# pass 3")
    framework: 'node:test',
    parse: (t) => {
      const p = /^(?:ℹ|#) pass (\d+)$/m.exec(t);
      const f = /^(?:ℹ|#) fail (\d+)$/m.exec(t);
      if (!p || !f) return undefined;
      const s = /^(?:ℹ|#) skipped (\d+)$/m.exec(t);
      const todo = /^(?:ℹ|#) todo (\d+)$/m.exec(t);
      return { passed: num(p[1]), failed: num(f[1]), skipped: num(s?.[1]) + num(todo?.[1]) };
    },
  },
  {
    // ava: "  3 tests passed" / "  1 test failed" / "  2 tests skipped"
    framework: 'ava',
    parse: (t) => {
      const p = /^\s*(\d+) tests? passed$/m.exec(t);
      const f = /^\s*(\d+) tests? failed$/m.exec(t);
      if (!p && !f) return undefined;
      const s = /^\s*(\d+) tests? skipped$/m.exec(t);
      return { passed: num(p?.[1]), failed: num(f?.[1]), skipped: num(s?.[1]) };
    },
  },
  {
    // pytest: "==== 1 failed, 2 passed, 1 skipped in 0.12s ====" (also "no tests ran")
    framework: 'pytest',
    parse: (t) => sumMatches(t, /^=+ ((?:\d+ [a-z]+(?:, )?)+) in [\d.]+s(?: \([^)]*\))? =+$/m, (m) => countsFromList(m[1])),
  },
  {
    // cargo test: "test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out"
    framework: 'cargo test',
    parse: (t) => sumMatches(t, /^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored/m, (m) => ({ passed: num(m[1]), failed: num(m[2]), skipped: num(m[3]) })),
  },
  {
    // go test -v: "--- PASS: TestX", "--- FAIL: TestY", "--- SKIP: TestZ"; without -v, per package "ok"/"FAIL"
    framework: 'go test',
    parse: (t) => {
      const pass = t.match(/^\s*--- PASS: /gm)?.length ?? 0;
      const fail = t.match(/^\s*--- FAIL: /gm)?.length ?? 0;
      const skip = t.match(/^\s*--- SKIP: /gm)?.length ?? 0;
      if (pass + fail + skip > 0) return { passed: pass, failed: fail, skipped: skip };
      const okPkgs = t.match(/^ok\s+\S+\s+(?:[\d.]+s|\(cached\))/gm)?.length ?? 0;
      const failPkgs = t.match(/^FAIL\s+\S+\s+[\d.]+s$/gm)?.length ?? 0;
      if (okPkgs + failPkgs === 0) return undefined;
      // Package-level counts only: say so through the framework name (see below).
      return { passed: okPkgs, failed: failPkgs, skipped: 0 };
    },
  },
  {
    // Maven Surefire: "Tests run: 12, Failures: 1, Errors: 0, Skipped: 2" (the last summary line counts)
    framework: 'maven surefire',
    parse: (t) => {
      const all = [...t.matchAll(/^(?:\[\w+\] )?Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)$/gm)];
      const last = all.at(-1);
      if (!last) return undefined;
      const failed = num(last[2]) + num(last[3]);
      const skipped = num(last[4]);
      return { passed: num(last[1]) - failed - skipped, failed, skipped };
    },
  },
  {
    // node-tap's own closing summary: "# { total: 527, pass: 526, fail: 1, skip: 2 }" (keys it has no
    // count for are left out), or its terminal reporter's "Asserts:  526 pass  1 fail  527 of 527 complete".
    framework: 'node-tap',
    parse: (t) => {
      const summary = /^# \{ total: \d+((?:, [a-z]+: \d+)*) \}$/m.exec(t);
      const asserts = /^\s*Asserts:\s+((?:\d+ [a-z]+\s+)+)\d+ of \d+(?: complete)?\s*$/m.exec(t);
      const list = summary?.[1] ?? asserts?.[1].replace(/(\d+) ([a-z]+)/g, '$2: $1');
      if (list === undefined) return undefined;
      const get = (key: string) => num(new RegExp(`\\b${key}: (\\d+)`).exec(list)?.[1]);
      return { passed: get('pass'), failed: get('fail'), skipped: get('skip') + get('todo') };
    },
  },
  {
    // TAP from other producers (tape, tap): "# tests 5", "# pass 4", "# fail 1"
    framework: 'tap',
    parse: (t) => {
      const total = /^# tests (\d+)$/m.exec(t);
      const p = /^# pass\s+(\d+)$/m.exec(t);
      if (!total || !p) return undefined;
      const f = /^# fail\s+(\d+)$/m.exec(t);
      return { passed: num(p[1]), failed: num(f?.[1]), skipped: 0 };
    },
  },
  {
    // The plain closing line many tools print: "12 passed, 1 failed" (", 2 skipped" optional)
    framework: 'generic',
    parse: (t) => sumMatches(t, /^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m, (m) => ({ passed: num(m[1]), failed: num(m[2]), skipped: num(m[3]) })),
  },
];

/** Test counts found in `output`, or undefined when no known summary is present. */
export function parseTestCounts(output: string): TestCounts | undefined {
  const text = stripAnsi(output);
  const found: TestCounts[] = [];
  for (const p of parsers) {
    // node:test's TAP summary looks like generic TAP; the first parser that matches a runner wins per runner family.
    if (p.framework === 'tap' && found.some((f) => f.framework === 'node:test' || f.framework === 'node-tap')) continue;
    const r = p.parse(text);
    if (r) found.push({ framework: p.framework, ...r, total: r.passed + r.failed + r.skipped });
  }
  if (found.length === 0) return undefined;
  if (found.length === 1) return found[0];
  return found.reduce((a, b) => ({
    framework: `${a.framework}+${b.framework}`,
    passed: a.passed + b.passed,
    failed: a.failed + b.failed,
    skipped: a.skipped + b.skipped,
    total: (a.total ?? 0) + (b.total ?? 0),
  }));
}
