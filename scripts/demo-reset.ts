/** Clears the demo's database, queues and outbox so every demo run starts the same. */
import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { connectStore } from '../src/store/connection';

async function main(): Promise<void> {
  const env = process.env;
  const conn = await connectStore(env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/mulin_demo');
  await conn.dropDatabase();
  await conn.close();
  const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = env.QUEUE_PREFIX ?? 'mulin-demo';
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  await rm(env.OUTBOX_PATH ?? '.run/demo-outbox.jsonl', { force: true });
}

main().catch((err) => {
  console.error('demo reset failed:', err);
  process.exit(1);
});
