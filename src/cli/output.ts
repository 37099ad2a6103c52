/**
 * Output conventions: results on stdout (text or one JSON document), progress and logs on stderr.
 */
import { NovaError, isNovaError } from '../errors.js';

export interface OutputOptions {
  json: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printText(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function log(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : text + '\n');
}

/**
 * Writing to a reader that went away (`nova … | head -1`: EPIPE) or to a full disk (ENOSPC) must
 * not end in an unhandled 'error' event and its stack trace. A reader that left wants nothing
 * more; any other failure is said once on stderr and makes the exit code 1. Later writes to the
 * broken stream are dropped by the stream itself.
 */
export function guardOutputStreams(): void {
  let reported = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || reported) return;
    reported = true;
    // The error event may come after main() has settled the exit code: say 1 at exit whatever it was.
    process.once('exit', () => { process.exitCode = 1; });
    process.stderr.write(`error: cannot write the output: ${e.code ?? e.message}\nhint: Check the file or pipe stdout goes to (is the disk full?).\n`);
  });
  process.stderr.on('error', () => { /* nowhere left to say it */ });
}

/** Report an error the way the user asked (JSON or text) and return the exit code to use. */
export function reportError(e: unknown, json: boolean, debug = !!process.env.NOVA_DEBUG): number {
  const err = isNovaError(e)
    ? e
    : new NovaError('INTERNAL', `unexpected internal error: ${e instanceof Error ? e.message : String(e)}`, {
        hint: 'This is a bug in NovaSystem; run again with NOVA_DEBUG=1 for the stack trace and report it.',
        exitCode: 1,
      });
  if (json) {
    process.stdout.write(JSON.stringify({ error: err.toJSON() }, null, 2) + '\n');
  } else {
    process.stderr.write(`error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
  }
  if (debug && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
  return err.exitCode;
}
