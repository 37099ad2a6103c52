/**
 * A second OS process for the concurrency test: opens the same store and applies `count` merge
 * updates to a run's state, each setting its own key. Prints one JSON line with what it did.
 * argv: <sqlitePath | postgres URL> <pgSchema | -> <runId> <agentId> <count>
 */
import { openStore } from '../store/store.js';
import { SharedState } from './shared-state.js';

const [where, pgSchema, runId, agentId, count] = process.argv.slice(2);
const store = where.startsWith('postgres')
  ? await openStore({ databaseUrl: where, pgSchema: pgSchema === '-' ? undefined : pgSchema })
  : await openStore({ sqlitePath: where });
const state = new SharedState(store);
const versions: number[] = [];
await Promise.all(Array.from({ length: Number(count) }, async (_, i) => {
  const r = await state.apply({ run_id: runId, agent_id: agentId, timestamp: new Date().toISOString(), state_update: { [`w.${agentId}.${i}`]: i } });
  versions.push(r.version);
}));
await store.close();
process.stdout.write(JSON.stringify({ versions }) + '\n');
