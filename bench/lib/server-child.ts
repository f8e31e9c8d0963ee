import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { openServices } from '../../src/roles/services';
import { buildWebApp } from '../../src/roles/web';
import { WeComCrypto } from '../../src/channels/wecom/crypto';
import { connectStore } from '../../src/store/connection';
import { createRedis } from '../../src/queues/redis';
import { QUEUES } from '../../src/queues/names';
import { decryptOnlyApp, durableIntakeApp, type BaselineDoc, type BaselineOptions } from './baseline-apps';
import { BASELINE_COLLECTION, type ChildMessage, type ParentMessage, type ServerSpec } from './server-spec';

// One server per process, forked by callback-load.ts, so each has its own event loop and RSS.

const WINDOW_SECONDS = 300;
const BODY_LIMIT = 256 * 1024;

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

async function waitReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis not reachable within 5 s')), 5000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function build(spec: ServerSpec): Promise<{ app: Koa; close: () => Promise<void> }> {
  const crypto = new WeComCrypto({ token: spec.token, encodingAesKey: spec.encodingAesKey, receiveId: '' });
  const base: BaselineOptions = { crypto, windowSeconds: WINDOW_SECONDS, bodyLimitBytes: BODY_LIMIT };
  switch (spec.kind) {
    case 'decrypt':
      return { app: decryptOnlyApp(base), close: async () => undefined };
    case 'durable': {
      const conn = await connectStore(spec.mongoUrl, { dbName: spec.dbName });
      if (!conn.db) throw new Error('store connected without a database');
      const redis = createRedis(spec.redisUrl, 'producer');
      await waitReady(redis);
      const queue = new Queue<{ inboundId: string }>(QUEUES.intake, { connection: redis, prefix: spec.queuePrefix });
      queue.on('error', () => undefined);
      const collection = conn.db.collection<BaselineDoc>(BASELINE_COLLECTION);
      return {
        app: durableIntakeApp(base, { collection, queue }),
        close: async () => {
          await queue.close();
          redis.disconnect();
          await conn.close();
        },
      };
    }
    case 'mulin': {
      const config = loadConfig({
        LOG_LEVEL: 'silent',
        MONGODB_URL: spec.mongoUrl,
        REDIS_URL: spec.redisUrl,
        QUEUE_PREFIX: spec.queuePrefix,
        WECOM_AIBOT_TOKEN: spec.token,
        WECOM_AIBOT_ENCODING_AES_KEY: spec.encodingAesKey,
        WECOM_TIMESTAMP_WINDOW_SECONDS: String(WINDOW_SECONDS),
        HTTP_BODY_LIMIT_BYTES: String(BODY_LIMIT),
      });
      const log = createLogger({ level: 'silent' });
      // No workers: intake jobs pile up in the queue, which is what a burst looks like anyway.
      const services = await openServices({ config, log, dbName: spec.dbName });
      return { app: buildWebApp(services, config, log), close: () => services.close() };
    }
  }
}

/**
 * Requests still inside the app. The load generator abandons its sockets when a phase ends,
 * but the app's handlers keep their store calls going; the store must see none of them when
 * the parent drops the database (FerretDB's sqlite handler crashed on exactly that race).
 */
function trackInflight(app: Koa): () => number {
  let inflight = 0;
  app.middleware.unshift(async (_ctx, next) => {
    inflight++;
    try {
      await next();
    } finally {
      inflight--;
    }
  });
  return () => inflight;
}

async function settle(inflight: () => number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (inflight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
  const { app, close } = await build(spec);
  const inflight = trackInflight(app);
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 30_000).unref();
    server.close();
    server.closeIdleConnections();
    // process.exit (not a signal) so that --cpu-prof gets to write its profile.
    settle(inflight, 25_000)
      .then(close)
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('message', (msg: ParentMessage) => {
    if (msg.type === 'stop') stop();
  });
  // The parent died or was interrupted: never outlive it.
  process.on('disconnect', stop);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  send({ type: 'ready', port: (server.address() as AddressInfo).port });
}

main().catch((err: unknown) => {
  send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
