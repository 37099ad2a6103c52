/**
 * `nova` entry point. Parses arguments with commander, runs the command, and turns every error
 * into a readable message and an exit code: 0 success, 1 the job failed, 2 bad usage or input.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliContext } from './context.js';
import { commandModules } from './commands/index.js';
import { reportError } from './output.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('nova')
    .description('NovaSystem: works out how to install, build and test a repository, runs it in a sandbox, and explains the result.')
    .version(pkg.version, '-V, --version')
    .option('--json', 'machine-readable JSON on stdout')
    .showHelpAfterError('(run nova --help for usage)')
    .exitOverride();
  for (const register of commandModules) register(program, ctx);
  // commander exits on its own for help/usage errors; route them through our exit codes instead.
  program.commands.forEach(function override(c: Command) { c.exitOverride(); c.commands.forEach(override); });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const ctx = new CliContext();
  const json = argv.includes('--json');
  try {
    const program = buildProgram(ctx);
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode !== undefined ? Number(process.exitCode) : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed the usage error to stderr
    }
    return reportError(e, json);
  } finally {
    await ctx.close();
  }
}

const isEntry = process.argv[1] && /(?:cli[\\/]main\.[tj]s|bin[\\/]nova(?:\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
