import type Redis from 'ioredis';

/** Every key in Redis with its value, whatever its type, as one text to search. */
export async function dumpRedis(redis: Redis): Promise<string> {
  const lines: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) lines.push(`${key} = ${JSON.stringify(await valueOf(redis, key))}`);
  } while (cursor !== '0');
  return lines.join('\n');
}

async function valueOf(redis: Redis, key: string): Promise<unknown> {
  switch (await redis.type(key)) {
    case 'string':
      return redis.get(key);
    case 'set':
      return redis.smembers(key);
    case 'hash':
      return redis.hgetall(key);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'zset':
      return redis.zrange(key, 0, -1, 'WITHSCORES');
    default:
      return null;
  }
}
