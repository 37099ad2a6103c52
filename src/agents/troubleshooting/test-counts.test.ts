import { describe, expect, it } from 'vitest';
import { parseTestCounts } from './test-counts.js';

describe('parseTestCounts', () => {
  const cases: [string, string, { framework: string; passed: number; failed: number; skipped: number }][] = [
    ['jest', 'PASS src/a.test.js\nTests:       1 failed, 1 skipped, 3 passed, 5 total\nTime: 1s', { framework: 'jest', passed: 3, failed: 1, skipped: 1 }],
    ['jest all passing', 'Tests:       12 passed, 12 total', { framework: 'jest', passed: 12, failed: 0, skipped: 0 }],
    ['vitest with colours', '\u001b[2m      Tests \u001b[22m \u001b[1m\u001b[31m2 failed\u001b[39m\u001b[22m\u001b[2m | \u001b[22m\u001b[1m\u001b[32m7 passed\u001b[39m\u001b[22m\u001b[90m (9)\u001b[39m', { framework: 'vitest', passed: 7, failed: 2, skipped: 0 }],
    ['mocha', '  3 passing (12ms)\n  1 pending\n  2 failing\n\n  1) thing:\n', { framework: 'mocha', passed: 3, failed: 2, skipped: 1 }],
    ['node:test spec', 'ℹ tests 4\nℹ suites 0\nℹ pass 3\nℹ fail 1\nℹ cancelled 0\nℹ skipped 0\nℹ todo 0', { framework: 'node:test', passed: 3, failed: 1, skipped: 0 }],
    ['node:test tap', 'TAP version 13\nok 1 - a\n1..1\n# tests 1\n# suites 0\n# pass 1\n# fail 0\n# skipped 0\n# todo 0', { framework: 'node:test', passed: 1, failed: 0, skipped: 0 }],
    ['ava', '  ✔ one\n  ✘ two\n  ─\n  1 test failed\n  4 tests passed\n  1 test skipped', { framework: 'ava', passed: 4, failed: 1, skipped: 1 }],
    ['pytest', '============ 2 failed, 10 passed, 1 skipped in 0.52s ============', { framework: 'pytest', passed: 10, failed: 2, skipped: 1 }],
    ['pytest pass only', '============================== 5 passed in 0.02s ===============================', { framework: 'pytest', passed: 5, failed: 0, skipped: 0 }],
    ['cargo test (two crates add up)', 'test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\n\ntest result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out', { framework: 'cargo test', passed: 7, failed: 1, skipped: 1 }],
    ['go test -v', '=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n--- FAIL: TestB (0.00s)\n--- SKIP: TestC (0.00s)\nFAIL\nFAIL\texample.com/m\t0.002s', { framework: 'go test', passed: 1, failed: 1, skipped: 1 }],
    ['maven', '[INFO] Tests run: 3, Failures: 0, Errors: 0, Skipped: 0\n[ERROR] Tests run: 10, Failures: 1, Errors: 1, Skipped: 2', { framework: 'maven surefire', passed: 6, failed: 2, skipped: 2 }],
    ['tape', 'TAP version 13\nok 1 a\nnot ok 2 b\n\n1..2\n# tests 2\n# pass  1\n# fail  1', { framework: 'tap', passed: 1, failed: 1, skipped: 0 }],
    ['node-tap summary (http-server)', '  FAIL  test/main.test.js 1 failed of 47 3.332s\nAsserts:  526 pass  1 fail  527 of 527 complete\nSuites:    40 pass  1 fail    41 of 41 complete\n\n# { total: 527, pass: 526, fail: 1 }\n# time=143736.947ms', { framework: 'node-tap', passed: 526, failed: 1, skipped: 0 }],
    ['node-tap summary with skips', '# { total: 12, pass: 9, skip: 2, todo: 1 }\n# time=12ms', { framework: 'node-tap', passed: 9, failed: 0, skipped: 3 }],
    ['node-tap reporter only', '\u001b[32mAsserts:\u001b[39m  30 pass  2 fail  1 skip  33 of 33 complete\n', { framework: 'node-tap', passed: 30, failed: 2, skipped: 1 }],
    ['plain line', 'Summary: 12 passed, 0 failed', { framework: 'generic', passed: 12, failed: 0, skipped: 0 }],
  ];
  for (const [name, output, expected] of cases) {
    it(`reads ${name}`, () => {
      expect(parseTestCounts(output)).toMatchObject(expected);
    });
  }

  it('returns undefined when no summary is present', () => {
    expect(parseTestCounts('npm ERR! code ELIFECYCLE\nsomething broke')).toBeUndefined();
  });
});
