/**
 * The transport-neutral message bus contract. Two implementations: in-process (embedded default,
 * `bus/in-process/`) and Redis Streams (`bus/redis-streams/`). Both pass `bus/bus.contract.ts`.
 *
 * Delivery model: at-least-once. A handler that returns normally acknowledges the message; one
 * that throws causes a retry with backoff, and after `maxAttempts` the message goes to the
 * dead-letter queue. Messages are validated against the Message schema on send and on receive.
 */
import type { Message, MessageInput } from '../protocol/message.js';

export type MessageHandler = (message: Message) => Promise<void> | void;

export interface Subscription {
  unsubscribe(): Promise<void>;
}

export interface RetryPolicy {
  /** Total delivery attempts before dead-lettering (>= 1). */
  maxAttempts: number;
  /** First retry delay; doubled each attempt, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface DeadLetter {
  message: Message;
  error: string;
  attempts: number;
  at: string;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface MessageBus {
  /** Deliver to the agent named in `to_agent` (or to a topic when it starts with `topic:`). */
  send(message: MessageInput): Promise<Message>;
  /** Receive direct messages for an agent id. One consumer per agent id per process. */
  consume(agentId: string, handler: MessageHandler): Promise<Subscription>;
  /** Publish to every subscriber of a topic. */
  publish(topic: string, message: Omit<MessageInput, 'to_agent'>): Promise<Message>;
  subscribe(topic: string, handler: MessageHandler): Promise<Subscription>;
  /**
   * Send with requires_response and wait for the reply whose parent_message_id is the request's
   * message_id. Rejects with a TIMEOUT NovaError after timeoutMs.
   */
  request(message: MessageInput, opts?: RequestOptions): Promise<Message>;
  /** Send a reply to `request` (sets to_agent and parent_message_id). */
  reply(request: Message, reply: Omit<MessageInput, 'to_agent' | 'parent_message_id'>): Promise<Message>;
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Resolve once every message accepted so far has been delivered or dead-lettered. */
  drain(): Promise<void>;
  close(): Promise<void>;
}
