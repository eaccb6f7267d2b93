import type { Redis } from "ioredis";
import type { WriteWindow } from "../queue/write-budget.js";
import type { PacerStore } from "./github-pacer.js";

/** Raises the installation's block to ARGV[1] (ms) unless it is higher already; it expires with the block. */
const BLOCK = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local target = tonumber(ARGV[1])
if target > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', math.max(1, target - tonumber(ARGV[2]))) end
return 1`;

/**
 * Reserves a write slot in the installation's sorted set of write start times
 * (the same arithmetic as nextWriteAt): at or after ARGV[1] (now), ARGV[2]
 * (spacing) after the last one, and for each (limit, window) pair in ARGV[5..]
 * after the write `limit` places back has left the window. ARGV[3] is the
 * longest window, ARGV[4] a unique member suffix.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local spacing = tonumber(ARGV[2])
local longest = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
local at = now
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last > 0 then at = math.max(at, tonumber(last[2]) + spacing) end
local count = redis.call('ZCARD', KEYS[1])
for i = 5, #ARGV, 2 do
  local limit = tonumber(ARGV[i])
  local window = tonumber(ARGV[i + 1])
  if limit >= 1 and count >= limit then
    local back = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
    at = math.max(at, tonumber(back[2]) + window)
  end
end
redis.call('ZADD', KEYS[1], at, tostring(at) .. ':' .. ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.max(1, at + longest - now))
return tostring(at)`;

/**
 * The pacing state in Redis, so that every replica sharing REDIS_URL paces
 * against one budget per installation and honours a Retry-After another
 * replica was given. Each step is one Lua script, atomic in Redis.
 */
export class RedisPacerStore implements PacerStore {
  #members = 0;
  readonly #id = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = "bender:pacer",
    private readonly now: () => number = () => Date.now(),
  ) {}

  async blockedUntil(installation: string): Promise<number> {
    return Number((await this.redis.get(`${this.prefix}:blocked:${installation}`)) ?? 0);
  }

  async block(installation: string, until: number): Promise<void> {
    await this.redis.eval(BLOCK, 1, `${this.prefix}:blocked:${installation}`, String(Math.ceil(until)), String(this.now()));
  }

  async reserveWrite(installation: string, now: number, windows: readonly WriteWindow[], spacingMs: number): Promise<number> {
    const longest = Math.max(1, ...windows.map((window) => window.windowMs));
    const pairs = windows.flatMap((window) => [String(window.limit), String(window.windowMs)]);
    const member = `${this.#id}-${++this.#members}`;
    const at = await this.redis.eval(RESERVE, 1, `${this.prefix}:writes:${installation}`, String(now), String(spacingMs), String(longest), member, ...pairs);
    return Number(at);
  }
}
