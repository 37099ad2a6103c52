import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { openStoreFromConfig, type Store } from '../store/store.js';

/** Lazily opened resources shared by CLI commands; closed once when the command ends. */
export class CliContext {
  private _config?: Config;
  private _store?: Promise<Store>;
  private readonly closers: (() => Promise<void>)[] = [];

  get config(): Config {
    return (this._config ??= loadConfig());
  }

  store(): Promise<Store> {
    if (!this._store) {
      this._store = openStoreFromConfig(this.config);
      this.onClose(async () => (await this._store!).close());
    }
    return this._store;
  }

  onClose(fn: () => Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.reverse()) await fn().catch(() => {});
  }
}

/** Whether --json was given anywhere on the command line (global or on the sub-command). */
export function wantsJson(cmd: Command): boolean {
  let c: Command | null = cmd;
  while (c) {
    if (c.opts().json) return true;
    c = c.parent;
  }
  return false;
}

export type CommandModule = (program: Command, ctx: CliContext) => void;
