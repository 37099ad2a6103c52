/**
 * A consumer's pending deliveries: four FIFO queues, one per priority, read highest first.
 * Arrays with a moving head (compacted now and then) keep push/shift O(1) amortised.
 */
import { PRIORITY_RANK, type Priority } from '../../protocol/message.js';
import type { MessageHandler } from '../bus.js';

class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T; // let it be collected
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Remove (and return) every item matching `pred`, keeping the others in order. */
  removeWhere(pred: (item: T) => boolean): T[] {
    const kept: T[] = [];
    const removed: T[] = [];
    for (let i = this.head; i < this.items.length; i++) (pred(this.items[i]) ? removed : kept).push(this.items[i]);
    this.items = kept;
    this.head = 0;
    return removed;
  }
}

export class Mailbox<D> {
  /** Index = PRIORITY_RANK: [low, normal, high, critical]. */
  private readonly queues = [new Fifo<D>(), new Fifo<D>(), new Fifo<D>(), new Fifo<D>()];
  size = 0;
  inFlight = 0;
  handler: MessageHandler | undefined;

  constructor(readonly name: string, readonly concurrency: number) {}

  push(item: D, priority: Priority): void {
    this.queues[PRIORITY_RANK[priority]].push(item);
    this.size++;
  }

  /** The oldest item of the highest non-empty priority. */
  shift(): D | undefined {
    for (let p = 3; p >= 0; p--) {
      const q = this.queues[p];
      if (q.size > 0) {
        this.size--;
        return q.shift();
      }
    }
    return undefined;
  }

  removeWhere(pred: (item: D) => boolean): D[] {
    const out: D[] = [];
    for (const q of this.queues) out.push(...q.removeWhere(pred));
    this.size -= out.length;
    return out;
  }
}
