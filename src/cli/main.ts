/**
 * `nova` entry point. Parses arguments with commander, runs the command, and turns every error
 * into a readable message and an exit code: 0 success, 1 the job failed, 2 bad usage or input.
 * With --json, stdout carries exactly one JSON document whatever happens: the result, the help
 * text (`{ help }`), the version (`{ version }`) or an error (`{ error: { code, message, hint } }`).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, type OutputConfiguration } from 'commander';
import { CliContext } from './context.js';
import { commandModules } from './commands/index.js';
import { guardOutputStreams, printJson, reportError } from './output.js';
import { NovaError } from '../errors.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** `nova runs show` for the `show` sub-command of `runs`. */
function commandPath(c: Command): string {
  const names: string[] = [];
  for (let x: Command | null = c; x; x = x.parent) names.unshift(x.name());
  return names.join(' ');
}

/** A commander usage error with the command it happened in (for a hint naming that command). */
interface UsageFailure {
  error: CommanderError;
  command: Command;
}

export function buildProgram(ctx: CliContext, output: OutputConfiguration = {}, onUsageError?: (f: UsageFailure) => void): Command {
  const program = new Command('nova')
    .description('NovaSystem: works out how to install, build and test a repository, runs it in a sandbox, and explains the result.')
    .version(pkg.version, '-V, --version')
    .option('--json', 'machine-readable JSON on stdout')
    // Sub-commands copy this when they are created, so it must be set before they are registered.
    .configureOutput(output);
  for (const register of commandModules) register(program, ctx);
  // commander exits on its own for help/usage errors; route them through our exit codes instead.
  (function override(c: Command) {
    c.exitOverride((error) => {
      onUsageError?.({ error, command: c });
      throw error;
    });
    c.commands.forEach(override);
  })(program);
  return program;
}

/** --json anywhere before a `--` (after it, `--json` is an argument, e.g. a file name). */
function argvWantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** The usage error as a NovaError: commander's message without its "error: " prefix, and a hint for the command. */
export function usageError(f: UsageFailure): NovaError {
  const path = commandPath(f.command);
  const message = f.error.message.replace(/^error:\s*/, '');
  let hint = `Run "${path} --help" for usage.`;
  if (f.error.code === 'commander.unknownOption') hint = `Run "${path} --help" for its options. An argument that starts with "-" goes after "--", e.g. ${path} -- -name`;
  else if (f.error.code === 'commander.unknownCommand') hint = `Run "${path} --help" for the commands.`;
  else if (f.error.code === 'commander.help') {
    const subs = f.command.commands.map((s) => s.name()).filter((n) => n !== 'help');
    return new NovaError('BAD_USAGE', `${path} needs a command: ${subs.join(', ')}`, { hint: `Run "${path} --help" for what each does.`, exitCode: 2 });
  }
  return new NovaError('BAD_USAGE', message, { hint, exitCode: 2 });
}

export async function main(argv: string[]): Promise<number> {
  const ctx = new CliContext();
  const json = argvWantsJson(argv);
  // Usage errors are reported below like every other error (with a hint naming the command), so
  // commander's own error line is silenced; with --json its help text is captured, not printed.
  let helpText = '';
  const output: OutputConfiguration = json
    ? { writeOut: (s) => { helpText += s; }, writeErr: () => {}, outputError: () => {} }
    : { outputError: () => {} };
  let failure: UsageFailure | undefined;
  try {
    const program = buildProgram(ctx, output, (f) => { failure ??= f; });
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode !== undefined ? Number(process.exitCode) : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.version') {
        if (json) printJson({ version: pkg.version });
        return 0;
      }
      // `nova help` and --help exit 0; a group run without its sub-command is `commander.help` with exit code 1.
      if (e.code === 'commander.helpDisplayed' || (e.code === 'commander.help' && e.exitCode === 0)) {
        if (json) printJson({ help: helpText });
        return 0;
      }
      // A usage error, or a group run without its sub-command (after its help on stderr): exit 2.
      return reportError(usageError(failure ?? { error: e, command: new Command('nova') }), json);
    }
    return reportError(e, json);
  } finally {
    await ctx.close();
  }
}

/** How long the CLI may linger after its command finished and closed everything. */
const LINGER_MS = 3000;

const isEntry = process.argv[1] && /(?:cli[\\/]main\.[tj]s|bin[\\/]nova(?:\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  guardOutputStreams();
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Everything was closed; if some forgotten handle (an agent's timer that missed its abort, a
    // child's pipe) still holds the event loop, do not let the user's shell wait on it.
    setTimeout(() => {
      if (process.env.NOVA_DEBUG) process.stderr.write(`nova: exiting with handles still open: ${process.getActiveResourcesInfo().join(', ')}\n`);
      process.exit(code);
    }, LINGER_MS).unref();
  });
}
