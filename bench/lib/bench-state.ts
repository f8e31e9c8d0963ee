import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectStore, type Connection } from '../../src/store/connection';
import { createRedis } from '../../src/queues/redis';
import { QUEUES } from '../../src/queues/names';

/**
 * The parent's own view of the store and Redis: counts what the servers kept (to check
 * that resends were deduplicated) and removes every database and key a run created.
 */
export class BenchState {
  private conn: Connection | null = null;
  private redis: Redis | null = null;

  constructor(
    private readonly mongoUrl: string,
    private readonly redisUrl: string,
  ) {}

  private async store(): Promise<Connection> {
    this.conn ??= await connectStore(this.mongoUrl);
    return this.conn;
  }

  private client(): Redis {
    this.redis ??= createRedis(this.redisUrl, 'worker');
    return this.redis;
  }

  async count(dbName: string, collection: string, queuePrefix: string): Promise<{ docs: number; jobs: number }> {
    const db = (await this.store()).useDb(dbName, { useCache: false });
    const docs = await db.collection(collection).countDocuments({});
    const queue = new Queue(QUEUES.intake, { connection: this.client(), prefix: queuePrefix });
    try {
      return { docs, jobs: await queue.count() };
    } finally {
      await queue.close();
    }
  }

  /** Best effort: a failure here is reported, and never hides the figures. */
  async drop(dbName: string, queuePrefix: string): Promise<string[]> {
    const problems: string[] = [];
    try {
      await (await this.store()).useDb(dbName, { useCache: false }).dropDatabase();
    } catch (err) {
      problems.push(`drop database ${dbName}: ${(err as Error).message}`);
    }
    const redis = this.client();
    for (const name of Object.values(QUEUES)) {
      const queue = new Queue(name, { connection: redis, prefix: queuePrefix });
      await queue.obliterate({ force: true }).catch((err: Error) => problems.push(`obliterate ${queuePrefix}:${name}: ${err.message}`));
      await queue.close();
    }
    // Stream state and anything else the app keeps under the prefix.
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } catch (err) {
      problems.push(`delete ${queuePrefix}:* keys: ${(err as Error).message}`);
    }
    return problems;
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
    await this.conn?.close();
  }
}
