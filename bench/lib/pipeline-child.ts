import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { openServices, type Services } from '../../src/roles/services';
import { buildWebApp } from '../../src/roles/web';
import { startWorkers, type Workers } from '../../src/roles/worker';
import type { PipelineChildMessage, PipelineChildSpec, PipelineParentMessage, StoreCommandStat } from './pipeline-spec';

// One role per process, forked by pipeline-load.ts, as a deployment runs them: the web role
// (callbacks in) and the worker role (intake, delivery, timers), each with its own event loop.

function send(msg: PipelineChildMessage): void {
  process.send?.(msg);
}

/** The driver only emits command events when the connection string asks for them. */
function withCommandMonitoring(url: string): string {
  if (url.includes('?')) return `${url}&monitorCommands=true`;
  const afterScheme = url.slice(url.indexOf('://') + 3);
  return `${url}${afterScheme.includes('/') ? '' : '/'}?monitorCommands=true`;
}

/** Per command name and collection: count and summed duration, since the last report. */
class StoreTracer {
  private started = new Map<number, string>();
  private stats = new Map<string, StoreCommandStat>();

  constructor(services: Services) {
    const client = services.conn.getClient();
    client.on('commandStarted', (e) => {
      const target = (e.command as Record<string, unknown>)[e.commandName];
      this.started.set(e.requestId, typeof target === 'string' ? `${e.commandName} ${target}` : e.commandName);
    });
    const done = (e: { requestId: number; duration: number }) => {
      const key = this.started.get(e.requestId);
      if (key === undefined) return;
      this.started.delete(e.requestId);
      const s = this.stats.get(key) ?? { command: key, count: 0, totalMs: 0 };
      s.count++;
      s.totalMs += e.duration;
      this.stats.set(key, s);
    };
    client.on('commandSucceeded', done);
    client.on('commandFailed', done);
  }

  take(): StoreCommandStat[] {
    const out = [...this.stats.values()];
    this.stats = new Map();
    return out;
  }
}

/** Requests still inside the app: the parent drops the database only after they are done. */
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
  const spec = JSON.parse(process.argv[2] ?? '{}') as PipelineChildSpec;
  const env = spec.traceStore ? { ...spec.env, MONGODB_URL: withCommandMonitoring(spec.env.MONGODB_URL ?? '') } : spec.env;
  const config = loadConfig(env);
  // Logs go to a file: the worker's "message classified" lines are how the bench learns
  // which step settled each message. Asynchronous writes, as a deployment would log.
  const destination = pino.destination({ dest: spec.logPath, sync: false, mkdir: true });
  const log = createLogger({ level: config.LOG_LEVEL, name: `mulin-${spec.role}-${spec.index}`, destination });
  const services = await openServices({ config, log, dbName: spec.dbName });
  const tracer = spec.traceStore ? new StoreTracer(services) : null;

  let server: Server | null = null;
  let inflight: () => number = () => 0;
  let workers: Workers | null = null;
  if (spec.role === 'web') {
    const app = buildWebApp(services, config, log);
    inflight = trackInflight(app);
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server?.once('listening', resolve));
  } else {
    workers = await startWorkers(services, config, log, { intakeConcurrency: spec.intakeConcurrency });
  }

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 60_000).unref();
    if (server) {
      server.close();
      server.closeIdleConnections();
    }
    // Worker.close waits for the jobs in progress. process.exit (not a signal) lets --cpu-prof write its profile.
    settle(inflight, 25_000)
      .then(() => workers?.close())
      .then(() => services.close())
      .then(() => {
        try {
          destination.flushSync();
        } catch {
          // best effort: an async write may still be in progress
        }
      })
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('message', (msg: PipelineParentMessage) => {
    if (msg.type === 'stop') stop();
    if (msg.type === 'store-stats') send({ type: 'store-stats', stats: tracer?.take() ?? [] });
  });
  // The parent died or was interrupted: never outlive it.
  process.on('disconnect', stop);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  send({ type: 'ready', port: server ? (server.address() as AddressInfo).port : null });
}

main().catch((err: unknown) => {
  send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
