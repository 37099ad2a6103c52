/**
 * Which WorkflowExecutor a command should use: BullMQ (steps go to `nova worker` processes) when
 * Redis is configured (NOVA_REDIS_URL), otherwise the local durable executor in this process.
 * `nova workflow run` calls this, so the same definitions run unchanged either way.
 */
import type { Config } from '../../config.js';
import type { Store } from '../../store/store.js';
import type { WorkflowEvent } from '../../protocol/workflow.js';
import type { StepInvoker, WorkflowExecutor } from '../executor.js';
import { LocalWorkflowExecutor } from '../local-executor.js';
import { connectRedis } from '../../bus/redis-streams/redis-connection.js';
import { TenantQuotas } from '../../quota/tenant-quotas.js';
import { BullMQWorkflowExecutor } from './bullmq-executor.js';

export interface ExecutorDeps {
  store: Store;
  /** Used by the local executor only; with BullMQ the workers' agents run the steps. */
  invoker: StepInvoker;
  onEvent?: (e: WorkflowEvent) => void;
  log?: (line: string) => void;
  /** BullMQ key prefix (must match the workers' --prefix). Default `nova`. */
  prefix?: string;
}

export interface SelectedExecutor {
  kind: 'local' | 'bullmq';
  executor: WorkflowExecutor;
  /** Closes the executor and anything opened for it (the Redis connection). */
  close(): Promise<void>;
}

export async function selectExecutor(config: Config, deps: ExecutorDeps): Promise<SelectedExecutor> {
  if (!config.redisUrl) {
    const executor = new LocalWorkflowExecutor({ store: deps.store, invoker: deps.invoker, onEvent: deps.onEvent, log: deps.log });
    return { kind: 'local', executor, close: () => executor.close() };
  }
  if (deps.store.dialect === 'sqlite') {
    deps.log?.('workflow: NOVA_REDIS_URL is set but the store is a local SQLite file; only workers on this machine can record results. Set NOVA_DATABASE_URL for several machines.');
  }
  const connection = await connectRedis(config.redisUrl, { name: 'nova-executor', log: deps.log });
  const executor = new BullMQWorkflowExecutor({ store: deps.store, connection, prefix: deps.prefix, quotas: new TenantQuotas(connection), onEvent: deps.onEvent, log: deps.log });
  return {
    kind: 'bullmq',
    executor,
    close: async () => {
      await executor.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
