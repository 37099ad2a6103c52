/**
 * A real agent for the distributed tests and the benchmark (loaded by `nova worker --agents-module`):
 *   test.effect  sleeps `ms`, then records its effect — one row in `dist_effects` — exactly once
 *                per step instance, in the same transaction as the step's idempotency key;
 *   test.flaky   fails its step instance's first `fails` tries (counted in the store), then succeeds.
 */
import { sql } from 'kysely';
import { Agent, type AgentContext, type CapabilityResult } from '../../src/agents/agent.js';
import type { Capability } from '../../src/protocol/agent.js';
import type { Message } from '../../src/protocol/message.js';
import type { Store } from '../../src/store/store.js';
import { NovaError } from '../../src/errors.js';
import { StepEffects } from '../../src/workflow/bullmq/step-effects.js';
import type { AgentsModuleContext } from '../../src/cli/commands/worker.js';

export async function createEffectTable(store: Store): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS dist_effects (tag text NOT NULL, idem text NOT NULL, worker text NOT NULL)`.execute(store.db);
  await sql`CREATE TABLE IF NOT EXISTS dist_tries (idem text NOT NULL)`.execute(store.db);
}

export class EffectAgent extends Agent {
  readonly id = 'effects';
  readonly type = 'test-effects';
  readonly version = '1.0.0';
  readonly capabilities: Capability[] = [
    { name: 'test.effect', description: 'sleep, then record an effect exactly once', parameters: [
      { name: 'tag', type: 'string', required: true }, { name: 'ms', type: 'integer', required: false },
    ], required_permissions: [] },
    { name: 'test.flaky', description: 'fail the first `fails` tries', parameters: [{ name: 'fails', type: 'integer', required: true }], required_permissions: [] },
  ];
  private readonly effects: StepEffects;

  constructor(private readonly store: Store, private readonly worker = `pid-${process.pid}`) {
    super();
    this.effects = new StepEffects(store);
  }

  async handle(message: Message, ctx: AgentContext): Promise<CapabilityResult> {
    const key = ctx.idempotencyKey;
    if (!key) throw new NovaError('BAD_INPUT', `${message.message_type} needs an idempotency key (run it as a workflow step)`);
    if (message.message_type === 'test.flaky') {
      // Counted in the store: the tries of one step land on different workers.
      await sql`INSERT INTO dist_tries (idem) VALUES (${key})`.execute(this.store.db);
      const counted = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM dist_tries WHERE idem = ${key}`.execute(this.store.db);
      const n = Number(counted.rows[0].n);
      if (n <= Number(message.content.fails)) throw new NovaError('UNAVAILABLE', `flaky failure ${n}`);
      return { tries: n };
    }
    const ms = Number(message.content.ms ?? 0);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    const tag = String(message.content.tag);
    const r = await this.effects.once(key, { runId: ctx.runId ?? '?', stepId: tag, worker: this.worker }, async (trx) => {
      await sql`INSERT INTO dist_effects (tag, idem, worker) VALUES (${tag}, ${key}, ${this.worker})`.execute(trx);
      return { tag, worker: this.worker };
    });
    return r.result;
  }
}

/** Entry point for `nova worker --agents-module test/distributed/effect-agent.ts`. */
export async function agents(ctx: AgentsModuleContext): Promise<Agent[]> {
  await createEffectTable(ctx.store);
  return [new EffectAgent(ctx.store)];
}
