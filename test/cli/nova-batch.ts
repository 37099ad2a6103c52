/**
 * Runs many `nova` command lines in ONE process, each through the CLI's real main() with its own
 * environment, working folder and captured stdout/stderr; prints one JSON line per command line.
 * Used by the bad-input tests: node start-up through tsx costs about a second per process, which
 * a hundred separate processes could not afford. Usage: node --import tsx nova-batch.ts cases.json
 */
import { readFileSync } from 'node:fs';
import { main } from '../../src/cli/main.js';

interface BatchCase { args: string[]; env?: Record<string, string>; cwd?: string }

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8')) as BatchCase[];
const baseEnv = { ...process.env };
const baseCwd = process.cwd();
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);

for (const c of cases) {
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += String(chunk); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
  process.env = { ...baseEnv, ...c.env };
  process.chdir(c.cwd ?? baseCwd);
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(c.args);
  } catch (e) {
    // main() must never throw; say so loudly (the test sees a stack frame and fails).
    code = -1;
    stderr += `main() threw:\n${e instanceof Error ? e.stack : String(e)}\n`;
  }
  process.stdout.write = realOut;
  process.stderr.write = realErr;
  process.exitCode = undefined;
  realOut(JSON.stringify({ code, stdout, stderr }) + '\n');
}
process.exit(0);
