import { readFile } from 'node:fs/promises';
import { Queue } from 'bullmq';
import { TICKET_CLOCK_QUEUE } from '../../src/queues/ticket-clock-queue';
import { DIGEST_QUEUE } from '../../src/queues/digest-queue';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config';
import { createLogger, type Logger } from '../../src/log';
import { openServices, type Services } from '../../src/roles/services';
import { buildWebApp } from '../../src/roles/web';
import { startWorkers, type WorkerOptions, type Workers } from '../../src/roles/worker';
import { loadCompounds } from '../../src/compounds/load';
import { WeComSimulator } from '../../scripts/lib/wecom-simulator';
import { startFakeWeComApi, type FakeWeComApi } from '../fakes/fake-wecom-api';
import { MONGODB_URL, REDIS_URL, uniqueName } from './env';

export const AIBOT_KEYS = { token: 'MulinAibotToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
export const APP_KEYS = { token: 'MulinAppToken', encodingAesKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt' };

/** Collects log lines so tests can assert on what operators would read. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
      // DUMP_LOGS=1 shows warnings and errors while a test runs, for debugging a timeout.
      if (process.env.DUMP_LOGS && /"level":(40|50)/.test(line)) process.stderr.write(`${line}\n`);
    }
    cb();
  }
  find(msg: string | RegExp): Array<Record<string, unknown>> {
    return this.lines.filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg))));
  }
}

export interface Harness {
  name: string;
  config: Config;
  log: Logger;
  logs: LogCapture;
  fake: FakeWeComApi;
  services: Services;
  baseUrl: string;
  sim: WeComSimulator;
  workers: Workers | null;
  startWorkers(opts?: WorkerOptions): Promise<Workers>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  label: string;
  workers?: boolean;
  env?: Record<string, string>;
  workerOptions?: WorkerOptions;
  /** Reuse another harness's database, queues and fake (a second "replica"). */
  shareWith?: Harness;
  /** The clock of the web role and the workers (tests that move time). */
  now?: () => Date;
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const name = opts.shareWith?.name ?? uniqueName(opts.label);
  const fake = opts.shareWith?.fake ?? (await startFakeWeComApi());
  const logs = new LogCapture();
  const log = createLogger({ level: 'debug', destination: logs });
  const config = loadConfig({
    NODE_ENV: 'test',
    MONGODB_URL,
    REDIS_URL,
    QUEUE_PREFIX: name,
    WECOM_API_BASE: fake.baseUrl,
    WECOM_CORP_ID: fake.corpId,
    WECOM_AIBOT_TOKEN: AIBOT_KEYS.token,
    WECOM_AIBOT_ENCODING_AES_KEY: AIBOT_KEYS.encodingAesKey,
    WECOM_APP_TOKEN: APP_KEYS.token,
    WECOM_APP_ENCODING_AES_KEY: APP_KEYS.encodingAesKey,
    WECOM_APP_AGENT_ID: '1000002',
    WECOM_APP_SECRET: fake.secret,
    // The service-day schedule runs on real time; its own tests turn it on with an injected clock.
    SERVICE_DAY_WORKER: 'off',
    ...opts.env,
  });
  const services = await openServices({ config, log, dbName: name, now: opts.now });
  if (!opts.shareWith) {
    const sample = await readFile(`${__dirname}/../../config/compounds.sample.yaml`, 'utf8');
    await loadCompounds(services.compounds, sample, 'yaml');
  }
  const app = buildWebApp(services, config, log, opts.now);
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const nowSec = opts.now ? () => Math.floor((opts.now as () => Date)().getTime() / 1000) : undefined;
  const sim = new WeComSimulator({ baseUrl, aibot: AIBOT_KEYS, app: { ...APP_KEYS, corpId: fake.corpId }, nowSec });

  const h: Harness = {
    name,
    config,
    log,
    logs,
    fake,
    services,
    baseUrl,
    sim,
    workers: null,
    async startWorkers(wopts?: WorkerOptions) {
      h.workers = await startWorkers(services, config, log, { recoverEveryMs: 3_600_000, now: opts.now, ...opts.workerOptions, ...wopts });
      return h.workers;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (h.workers) await h.workers.close();
      if (!opts.shareWith) {
        await services.intakeQueue.obliterate({ force: true }).catch(() => undefined);
        await services.deliveryQueue.obliterate({ force: true }).catch(() => undefined);
        await services.timersQueue.obliterate({ force: true }).catch(() => undefined);
        for (const queueName of [TICKET_CLOCK_QUEUE, DIGEST_QUEUE]) {
          const q = new Queue(queueName, { connection: services.redis, prefix: name });
          await q.obliterate({ force: true }).catch(() => undefined);
          await q.close();
        }
        await services.conn.dropDatabase().catch(() => undefined);
        await fake.close();
      }
      await services.close();
    },
  };
  if (opts.workers) await h.startWorkers();
  return h;
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
