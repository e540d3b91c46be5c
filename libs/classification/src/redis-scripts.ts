import type { Redis, Result } from 'ioredis';

/**
 * Leader acquire-or-renew, the seed's script unchanged.
 * KEYS[1] = leader key; ARGV[1] = token, ARGV[2] = TTL in seconds. Returns 1 when this token
 * holds the lock afterwards, else 0. One script, so the key cannot expire between GET and EXPIRE.
 */
export const ACQUIRE_OR_RENEW_LEADER_LUA = `
if redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]), 'NX') then
  return 1
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
`;

/**
 * Leader release: compare-and-delete.
 * KEYS[1] = leader key; ARGV[1] = token. Returns 1 when deleted, 0 when another worker (or
 * nobody) holds it. Atomic, so a lock taken over between our GET and DEL is never deleted.
 */
export const RELEASE_LEADER_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/**
 * Fenced publish: the seed's MULTI/EXEC publish, run only while the lock holds our token.
 * KEYS = hot, cold, metadata, timestamp, leader.
 * ARGV = token, ttlSeconds, metadataJson, timestamp, hotCount, hot members..., cold members...
 * Returns 1 when written, 0 (nothing written) when fenced out. Atomic: readers never see a mix
 * of old and new sets, and a leader that paused past its TTL cannot overwrite its successor.
 * SADD goes in chunks because Lua's unpack() fails beyond ~8000 values.
 */
export const FENCED_PUBLISH_LUA = `
if redis.call('GET', KEYS[5]) ~= ARGV[1] then
  return 0
end
local ttl = tonumber(ARGV[2])
local firstHot = 6
local firstCold = firstHot + tonumber(ARGV[5])
local function addAll(key, from, to)
  for i = from, to, 1000 do
    redis.call('SADD', key, unpack(ARGV, i, math.min(i + 999, to)))
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
addAll(KEYS[1], firstHot, firstCold - 1)
addAll(KEYS[2], firstCold, #ARGV)
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('SET', KEYS[3], ARGV[3], 'EX', ttl)
redis.call('SET', KEYS[4], ARGV[4], 'EX', ttl)
return 1
`;

/**
 * Records a completed poll with the TTL of the server's current class.
 * KEYS = hot set, poll key; ARGV = url, epochSeconds, hotTtl, coldTtl. Returns the TTL used.
 * One round trip instead of the seed's class lookup followed by SET.
 */
export const MARK_POLLED_LUA = `
local ttl = ARGV[4]
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  ttl = ARGV[3]
end
redis.call('SET', KEYS[2], ARGV[2], 'EX', tonumber(ttl))
return tonumber(ttl)
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    classificationAcquireLeader(leaderKey: string, token: string, ttlSeconds: number): Result<number, Context>;
    classificationReleaseLeader(leaderKey: string, token: string): Result<number, Context>;
    classificationPublish(
      hotKey: string,
      coldKey: string,
      metadataKey: string,
      timestampKey: string,
      leaderKey: string,
      token: string,
      ttlSeconds: number,
      metadataJson: string,
      timestamp: string,
      hotCount: number,
      // Arrays are flattened by ioredis, so 100k members never go through a JS spread.
      hot: readonly string[],
      cold: readonly string[],
    ): Result<number, Context>;
    classificationMarkPolled(
      hotKey: string,
      pollKey: string,
      url: string,
      epochSeconds: string,
      hotTtlSeconds: number,
      coldTtlSeconds: number,
    ): Result<number, Context>;
  }
}

const registered = new WeakSet<Redis>();

/**
 * Defines the scripts as commands on `client` (once per client). ioredis sends EVAL on first
 * use per socket, then EVALSHA, and re-sends after NOSCRIPT (restart, failover, SCRIPT FLUSH).
 */
export function registerClassificationScripts(client: Redis): void {
  if (registered.has(client)) return;
  client.defineCommand('classificationAcquireLeader', { numberOfKeys: 1, lua: ACQUIRE_OR_RENEW_LEADER_LUA });
  client.defineCommand('classificationReleaseLeader', { numberOfKeys: 1, lua: RELEASE_LEADER_LUA });
  client.defineCommand('classificationPublish', { numberOfKeys: 5, lua: FENCED_PUBLISH_LUA });
  client.defineCommand('classificationMarkPolled', { numberOfKeys: 2, lua: MARK_POLLED_LUA });
  registered.add(client);
}
