import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { openStore } from '../../store/store.js';
import { TEST_REDIS_URL, redisSkip } from '../../testing/services.js';
import { NovaError } from '../../errors.js';
import { selectExecutor } from './select-executor.js';
import { LocalWorkflowExecutor } from '../local-executor.js';
import { BullMQWorkflowExecutor } from './bullmq-executor.js';

const invoker = async () => ({});

describe('selectExecutor', () => {
  it('uses the local executor without NOVA_REDIS_URL', async () => {
    const store = await openStore({ sqlitePath: ':memory:' });
    const s = await selectExecutor(loadConfig({ NOVA_HOME: '/tmp/nova-sel' }, '/'), { store, invoker });
    expect(s.kind).toBe('local');
    expect(s.executor).toBeInstanceOf(LocalWorkflowExecutor);
    await s.close();
    await store.close();
  });

  it.skipIf(!!redisSkip)('uses BullMQ with NOVA_REDIS_URL, and says so when Redis is down', async () => {
    const store = await openStore({ sqlitePath: ':memory:' });
    const logs: string[] = [];
    const s = await selectExecutor(loadConfig({ NOVA_HOME: '/tmp/nova-sel', NOVA_REDIS_URL: TEST_REDIS_URL }, '/'), { store, invoker, log: (l) => logs.push(l) });
    expect(s.kind).toBe('bullmq');
    expect(s.executor).toBeInstanceOf(BullMQWorkflowExecutor);
    expect(logs.join('\n')).toMatch(/SQLite/);
    await s.close();
    const err = await selectExecutor(loadConfig({ NOVA_HOME: '/tmp/nova-sel', NOVA_REDIS_URL: 'redis://127.0.0.1:1' }, '/'), { store, invoker }).catch((e) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect(err.code).toBe('UNAVAILABLE');
    await store.close();
  }, 15_000);
});
