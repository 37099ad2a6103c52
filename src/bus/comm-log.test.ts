import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeBackends } from '../testing/services.js';
import type { Store } from '../store/store.js';
import { Message } from '../protocol/message.js';
import { CommLog, type DeliveryStatus } from './comm-log.js';

const message = Message.parse({ message_id: 'm-1', timestamp: new Date().toISOString(), from_agent: 'a', to_agent: 'b', message_type: 'ping', content: {} });
const record = (status: DeliveryStatus, attempts: number) => ({ message, body: undefined, status, attempts, error: null, acceptedAt: Date.now(), dirty: false, inserted: false });

for (const b of storeBackends()) {
  describe.skipIf(!!b.skip)(`communication log written by several processes (${b.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => { ({ store, cleanup } = await b.open()); });
    afterAll(async () => { await cleanup(); });
    const status = async () => store.db.selectFrom('messages').select(['status', 'attempts']).where('message_id', '=', 'm-1').executeTakeFirstOrThrow();

    it('keeps the newest status: a later attempt, or a later status of the same attempt, whatever order the writes arrive in', async () => {
      const consumer = new CommLog(store);
      const sender = new CommLog(store);
      consumer.touch(record('acked', 1));
      await consumer.flush();
      sender.touch(record('queued', 0)); // the sender's write-behind arrives last
      await sender.flush();
      expect(await status()).toEqual({ status: 'acked', attempts: 1 });

      consumer.touch(record('failed', 2));
      await consumer.flush();
      expect(await status()).toEqual({ status: 'failed', attempts: 2 });
      consumer.touch(record('delivered', 2)); // a stale write of the same attempt
      await consumer.flush();
      expect(await status()).toEqual({ status: 'failed', attempts: 2 });
      consumer.touch(record('dead', 2));
      await consumer.flush();
      expect(await status()).toEqual({ status: 'dead', attempts: 2 });
      await consumer.close();
      await sender.close();
    });
  });
}
