/**
 * Live progress on stderr: a spinner line with the current step and its latest output in a
 * terminal; plain lines (one per step start/end) when stderr is not a terminal.
 */
import type { StepEvent } from '../agents/execution/run-step.js';
import { formatDuration } from '../install/report.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** "(in helpers) " for a step that runs in a subfolder, as the plan shows it: `npm install` in a
 *  subfolder is not the root's `npm install`. */
function where(step: { cwd?: string }): string {
  return step.cwd && step.cwd !== '.' ? `(in ${step.cwd}) ` : '';
}

export class Progress {
  private readonly tty: boolean;
  private timer?: NodeJS.Timeout;
  private frame = 0;
  private current = '';
  private lastLine = '';
  private partial = '';

  constructor(private total = 0, private readonly verbose = false, private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = !!out.isTTY && !process.env.CI;
  }

  handle = (e: StepEvent): void => {
    switch (e.type) {
      case 'begin':
        this.total = e.total;
        this.out.write(`run ${e.runId}: ${e.total} planned steps, sandbox ${e.sandbox}\n`);
        break;
      case 'step-start':
        this.current = `[${e.index + 1}/${this.total}] ${e.step.stage} ${where(e.step)}${e.command}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`;
        this.lastLine = '';
        if (this.tty) this.startSpinner();
        else this.out.write(`${this.current}\n`);
        break;
      case 'step-skip':
        this.stopSpinner();
        // The same two plain lines in a terminal: nothing runs, so there is nothing to animate.
        this.out.write(`[${e.index + 1}/${this.total}] ${e.step.stage} ${where(e.step)}${e.step.command}\n    ${e.status === 'blocked' ? `⛔ blocked: ${e.step.reasons.join('; ') || e.reason}` : `– skipped: ${e.reason}`}\n`);
        break;
      case 'output': {
        if (this.verbose) {
          this.clear();
          this.out.write(e.chunk);
        }
        const text = this.partial + e.chunk;
        const lines = text.split('\n');
        this.partial = lines.pop() ?? '';
        const last = lines.filter((l) => l.trim()).at(-1);
        if (last) this.lastLine = last.trim();
        break;
      }
      case 'fix':
        this.clear();
        this.out.write(`    fix: ${e.fix.command} — ${e.reason}\n`);
        break;
      case 'step-end': {
        this.stopSpinner();
        const icon = e.status === 'success' ? '✓' : '✗';
        const tests = e.tests ? ` — ${e.tests.failed} failed, ${e.tests.passed} passed` : '';
        this.out.write(`${this.tty ? `${icon} ${this.current}` : `    ${icon} ${e.status}`} (${formatDuration(e.durationMs)}${e.exitCode !== null && e.exitCode !== 0 ? `, exit ${e.exitCode}` : ''})${tests}\n`);
        break;
      }
    }
  };

  private startSpinner(): void {
    this.stopSpinner();
    this.timer = setInterval(() => {
      this.frame = (this.frame + 1) % FRAMES.length;
      const cols = this.out.columns ?? 100;
      const line = `${FRAMES[this.frame]} ${this.current}${this.lastLine ? `  │ ${this.lastLine}` : ''}`;
      this.out.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
    }, 100);
    this.timer.unref();
  }

  private clear(): void {
    if (this.tty) this.out.write('\r\x1b[2K');
  }

  private stopSpinner(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  stop(): void {
    this.stopSpinner();
  }
}
