/**
 * Key layout and the Lua scripts that change delivery state. Every state change that involves more
 * than one command (ack + delete, ack + schedule retry, ack + dead-letter, promote due retries,
 * route a reply) is one script, so a process dying between two commands cannot lose or duplicate
 * a message.
 *
 * Layout under a prefix P:
 *   P:a:<agent>:<priority>   direct messages for an agent (one stream per priority level)
 *   P:t:<topic>:<priority>   topic messages; each subscription is its own consumer group (fan-out)
 *   P:r:<group-stream>       retries due for one consumer group (promoted from P:delayed)
 *   P:delayed                sorted set of retries waiting for their backoff, scored by due time
 *   P:delayed:moves          counts moves between P:delayed and the streams (drain() reads it)
 *   P:dead                   dead-letter stream
 *   P:wait:<message_id>      set while a request waits; holds the requester's inbox stream
 *   P:inbox:<bus instance>   replies for the requests of one bus instance
 */
import type { Redis } from 'ioredis';
import type { Priority } from '../../protocol/message.js';

/** Read order: critical first. */
export const PRIORITIES_HIGH_FIRST: Priority[] = ['critical', 'high', 'normal', 'low'];

export class StreamKeys {
  constructor(readonly prefix: string) {}
  agent(agentId: string, p: Priority): string { return `${this.prefix}:a:${agentId}:${p}`; }
  topic(topic: string, p: Priority): string { return `${this.prefix}:t:${topic}:${p}`; }
  /** Retry stream of a group: agent groups are shared by all processes, topic groups are per subscription. */
  retry(base: string, group: string): string { return `${this.prefix}:r:${base}:${group}`; }
  get delayed(): string { return `${this.prefix}:delayed`; }
  get dead(): string { return `${this.prefix}:dead`; }
  wait(messageId: string): string { return `${this.prefix}:wait:${messageId}`; }
  inbox(instance: string): string { return `${this.prefix}:inbox:${instance}`; }
}

const ACK = `
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '1' then redis.call('XDEL', KEYS[1], ARGV[2]) end
return 1`;

// KEYS: stream, delayed. ARGV: group, id, delete?, due ms, payload (JSON {t, m, a, u})
const RETRY = `
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '1' then redis.call('XDEL', KEYS[1], ARGV[2]) end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
redis.call('INCR', KEYS[2] .. ':moves')
return 1`;

// KEYS: stream, dead. ARGV: group, id, delete?, message, error, attempts, at, maxlen
const DEAD = `
if KEYS[1] ~= '' then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
  if ARGV[3] == '1' then redis.call('XDEL', KEYS[1], ARGV[2]) end
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[8], '*', 'm', ARGV[4], 'e', ARGV[5], 'n', ARGV[6], 't', ARGV[7])
return 1`;

// KEYS: delayed. ARGV: now ms, limit. Moves due retries into their group's retry stream.
const PROMOTE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, item in ipairs(due) do
  local p = cjson.decode(item)
  redis.call('XADD', p.t, '*', 'm', p.m, 'a', tostring(p.a))
  redis.call('ZREM', KEYS[1], item)
end
if #due > 0 then redis.call('INCR', KEYS[1] .. ':moves') end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if nxt[2] then return tonumber(nxt[2]) end
return -1`;

// KEYS: wait key, fallback agent stream. ARGV: message JSON. A waiting requester gets the reply in
// its inbox; otherwise (requester gone or timed out) the reply is an ordinary direct message.
const REPLY = `
local inbox = redis.call('GET', KEYS[1])
if inbox then
  redis.call('XADD', inbox, 'MAXLEN', '~', '10000', '*', 'm', ARGV[1], 'a', '1')
  redis.call('PEXPIRE', inbox, 3600000)
  return 1
end
redis.call('XADD', KEYS[2], '*', 'm', ARGV[1], 'a', '1')
return 0`;

type ScriptName = 'ack' | 'retry' | 'dead' | 'promote' | 'reply';
const SOURCES: Record<ScriptName, string> = { ack: ACK, retry: RETRY, dead: DEAD, promote: PROMOTE, reply: REPLY };

/** Runs the scripts with EVAL: Redis caches the compiled script, and nothing breaks after a Redis restart. */
export class BusScripts {
  constructor(private readonly redis: Redis) {}

  async run(name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.redis.eval(SOURCES[name], keys.length, ...keys, ...args.map(String));
  }
}
