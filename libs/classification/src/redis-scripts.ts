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
 * Leader renewal: compare-and-expire, never an acquire.
 * KEYS[1] = leader key; ARGV[1] = token, ARGV[2] = TTL in seconds. Returns 1 when extended, 0 when
 * another worker (or nobody) holds the lock. Atomic, so a lock that changed hands between GET and
 * EXPIRE is never extended; and a renewal that Redis runs late (after a hang, or after our release)
 * cannot take a free lock back for a worker that no longer counts itself leader.
 */
export const RENEW_LEADER_LUA = `
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
 * The published time is Redis's own clock (TIME), written into the metadata's "timestamp" and the
 * timestamp key in the seed's float format: one clock for the fleet, so a new leader whose clock
 * lags its predecessor's never makes the published time go backwards.
 */
export const FENCED_PUBLISH_LUA = `
if redis.call('GET', KEYS[5]) ~= ARGV[1] then
  return 0
end
local now = redis.call('TIME')
local stamp = now[1] .. '.0'
if tonumber(now[2]) > 0 then
  stamp = (string.gsub(now[1] .. '.' .. string.format('%06d', tonumber(now[2])), '0+$', ''))
end
local metadata = (string.gsub(ARGV[3], '"timestamp":[0-9.]+', '"timestamp":' .. stamp, 1))
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
redis.call('SET', KEYS[3], metadata, 'EX', ttl)
redis.call('SET', KEYS[4], stamp, 'EX', ttl)
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

/**
 * The stored last-poll time as the gate trusts it (see poll-timestamp.ts, which this mirrors):
 * a plain decimal, positive, not further ahead of `now` than `skew` seconds; else nil.
 */
const PARSE_LAST_POLL_LUA = `
local function parseLastPoll(raw, now, skew)
  if type(raw) ~= 'string' then return nil end
  if not (string.match(raw, '^%d+$') or string.match(raw, '^%d+%.%d+$')) then return nil end
  local dot = string.find(raw, '.', 1, true)
  local intLength = dot and (dot - 1) or #raw
  local fracLength = dot and (#raw - dot) or 0
  if intLength > 16 or fracLength > 20 then return nil end
  local value = tonumber(raw)
  if not value or value <= 0 or value > now + skew then return nil end
  return value
end
`;

/**
 * Claims every due upstream of a round in one call: due? (class or override interval, times the
 * upstream's jitter factor, against its trusted last poll) then claim with a lease.
 * KEYS = hot, cold, then per upstream: poll key, claim key.
 * ARGV = now (s), lease (ms), token, hot interval (s), cold interval (s), max future skew (s),
 *        max lease (ms), then per upstream: url, jitter factor, override interval (s or '').
 * Returns per upstream: status (1 claimed, 0 not due, 2 claimed by another worker) and the due
 * time in seconds ('' unless not due). An unclassified upstream without override counts as hot:
 * in doubt, the shorter interval (the seed's single decision polls it every time; a round comes ten
 * times an interval, so that would poll it ten times as often as a hot one). A claim without TTL or with one longer than any lease is stale and taken over, so
 * a tampered claim key can never suppress polling.
 */
export const CLAIM_DUE_LUA = `${PARSE_LAST_POLL_LUA}
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local token = ARGV[3]
local hotInterval = tonumber(ARGV[4])
local coldInterval = tonumber(ARGV[5])
local maxSkew = tonumber(ARGV[6])
local maxLease = tonumber(ARGV[7])
local out = {}
for i = 1, (#KEYS - 2) / 2 do
  local url = ARGV[5 + 3 * i]
  local factor = tonumber(ARGV[6 + 3 * i])
  local override = ARGV[7 + 3 * i]
  local pollKey = KEYS[1 + 2 * i]
  local claimKey = KEYS[2 + 2 * i]
  local interval = nil
  if override ~= '' then
    interval = tonumber(override)
  elseif redis.call('SISMEMBER', KEYS[1], url) == 1 then
    interval = hotInterval
  elseif redis.call('SISMEMBER', KEYS[2], url) == 1 then
    interval = coldInterval
  else
    interval = hotInterval
  end
  interval = interval * factor
  local dueAt = nil
  local last = parseLastPoll(redis.pcall('GET', pollKey), now, math.min(maxSkew, interval))
  if last and now - last < interval then dueAt = last + interval end
  if dueAt then
    out[#out + 1] = 0
    out[#out + 1] = string.format('%.3f', dueAt)
  elseif redis.call('SET', claimKey, token, 'PX', lease, 'NX') then
    out[#out + 1] = 1
    out[#out + 1] = ''
  else
    local left = redis.call('PTTL', claimKey)
    if left < 0 or left > maxLease then
      redis.call('SET', claimKey, token, 'PX', lease)
      out[#out + 1] = 1
    else
      out[#out + 1] = 2
    end
    out[#out + 1] = ''
  end
end
return out
`;

/**
 * Records completed polls (TTL by the upstream's class, or its own) and drops our claims on them.
 * KEYS = hot, then per upstream: poll key, claim key.
 * ARGV = epochSeconds, token, hot TTL, cold TTL, then per upstream: url, TTL override (s or '').
 * A poll that outlived its lease is still recorded: it did happen.
 */
export const COMPLETE_CLAIMS_LUA = `
local token = ARGV[2]
for i = 1, (#KEYS - 1) / 2 do
  local url = ARGV[3 + 2 * i]
  local ttl = ARGV[4 + 2 * i]
  if ttl == '' then
    ttl = ARGV[4]
    if redis.call('SISMEMBER', KEYS[1], url) == 1 then ttl = ARGV[3] end
  end
  redis.call('SET', KEYS[2 * i], ARGV[1], 'EX', tonumber(ttl))
  if redis.pcall('GET', KEYS[1 + 2 * i]) == token then redis.call('DEL', KEYS[1 + 2 * i]) end
end
return 1
`;

/** Drops our claims (failed polls), so another worker may retry at once. KEYS = claim keys; ARGV[1] = token. */
export const RELEASE_CLAIMS_LUA = `
local released = 0
for i = 1, #KEYS do
  if redis.pcall('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    released = released + 1
  end
end
return released
`;

/**
 * Publishes one worker's usage summary and lists it among the workers.
 * KEYS = the worker's summary key, the workers set; ARGV = summary, worker key id, TTL (s).
 * A workers key of another type (tampering) is replaced rather than failing every publish.
 */
export const PUBLISH_USAGE_LUA = `
local kind = redis.call('TYPE', KEYS[2]).ok
if kind ~= 'set' and kind ~= 'none' then redis.call('DEL', KEYS[2]) end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[3]))
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return 1
`;

/**
 * Every live worker's usage summary in one call. KEYS[1] = workers set; ARGV[1] = summary key prefix.
 * Returns pairs: worker key id, then its summary, or 0 when that key holds another type. Workers
 * whose summary expired are dropped from the set. A workers key of another type reads as empty.
 * (Summary keys are derived from the set's members, so in Redis Cluster the prefix needs a hash tag.)
 */
export const READ_USAGE_LUA = `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind ~= 'set' then return {} end
local out = {}
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local value = redis.pcall('GET', ARGV[1] .. worker)
  if type(value) == 'string' then
    out[#out + 1] = worker
    out[#out + 1] = value
  elseif type(value) == 'table' and value.err then
    out[#out + 1] = worker
    out[#out + 1] = 0
  else
    redis.call('SREM', KEYS[1], worker)
  end
end
return out
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    classificationAcquireLeader(leaderKey: string, token: string, ttlSeconds: number): Result<number, Context>;
    classificationRenewLeader(leaderKey: string, token: string, ttlSeconds: number): Result<number, Context>;
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
    classificationClaimDue(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Result<(number | string)[], Context>;
    classificationCompleteClaims(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Result<number, Context>;
    classificationReleaseClaims(numberOfKeys: number, ...keysThenArgs: string[]): Result<number, Context>;
    classificationPublishUsage(
      summaryKey: string,
      workersKey: string,
      summary: string,
      workerKeyId: string,
      ttlSeconds: number,
    ): Result<number, Context>;
    classificationReadUsage(workersKey: string, summaryPrefix: string): Result<(string | number)[], Context>;
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
  client.defineCommand('classificationRenewLeader', { numberOfKeys: 1, lua: RENEW_LEADER_LUA });
  client.defineCommand('classificationReleaseLeader', { numberOfKeys: 1, lua: RELEASE_LEADER_LUA });
  client.defineCommand('classificationPublish', { numberOfKeys: 5, lua: FENCED_PUBLISH_LUA });
  client.defineCommand('classificationMarkPolled', { numberOfKeys: 2, lua: MARK_POLLED_LUA });
  // Batches have as many keys as upstreams: the key count is the first argument.
  client.defineCommand('classificationClaimDue', { lua: CLAIM_DUE_LUA });
  client.defineCommand('classificationCompleteClaims', { lua: COMPLETE_CLAIMS_LUA });
  client.defineCommand('classificationReleaseClaims', { lua: RELEASE_CLAIMS_LUA });
  client.defineCommand('classificationPublishUsage', { numberOfKeys: 2, lua: PUBLISH_USAGE_LUA });
  client.defineCommand('classificationReadUsage', { numberOfKeys: 1, lua: READ_USAGE_LUA });
  registered.add(client);
}
