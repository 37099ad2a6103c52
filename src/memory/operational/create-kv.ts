/**
 * Choose the operational-memory backend from the configuration: Redis when NOVA_REDIS_URL is set,
 * otherwise the SQL store's `kv` table.
 */
import type { Config } from '../../config.js';
import type { Store } from '../../store/store.js';
import type { KeyValueStore } from './kv.js';
import { RedisKeyValueStore, type RedisConnectOptions } from './redis-kv.js';
import { SqlKeyValueStore, type SqlKvOptions } from './sql-kv.js';

export async function createKeyValueStore(
  config: Pick<Config, 'redisUrl'>,
  store: Store,
  namespace: string,
  opts: RedisConnectOptions & SqlKvOptions = {},
): Promise<KeyValueStore> {
  if (config.redisUrl) return RedisKeyValueStore.connect(config.redisUrl, namespace, opts);
  return new SqlKeyValueStore(store, namespace, opts);
}
