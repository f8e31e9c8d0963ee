import type { Server } from 'node:http';
import { loadConfig, ConfigError, type Config } from './config';
import { createLogger, type Logger } from './log';
import { openServices, type Services } from './roles/services';
import { buildWebApp } from './roles/web';
import { startWorkers, type Workers } from './roles/worker';

type Role = 'web' | 'worker' | 'all';

function parseRole(argv: string[]): Role {
  const role = argv[2] ?? 'all';
  if (role === 'web' || role === 'worker' || role === 'all') return role;
  throw new ConfigError([`role: expected web, worker or all, got "${role}"`]);
}

async function start(config: Config, role: Role, log: Logger): Promise<() => Promise<void>> {
  const services: Services = await openServices({ config, log, defaultMetrics: true });
  let server: Server | null = null;
  let workers: Workers | null = null;
  if (role === 'web' || role === 'all') {
    const app = buildWebApp(services, config, log);
    server = app.listen(config.PORT);
    await new Promise<void>((resolve) => server?.once('listening', resolve));
    log.info({ port: config.PORT }, 'web role listening');
  }
  if (role === 'worker' || role === 'all') {
    workers = await startWorkers(services, config, log);
    log.info({ outbound: config.outboundMode }, 'worker role started');
  }
  return async () => {
    // Stop taking callbacks first, let in-flight requests finish (their messages are
    // stored and queued before they answer), then let workers finish their current jobs.
    if (server) {
      const closed = new Promise<void>((resolve) => server?.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
    }
    if (workers) await workers.close();
    await services.close();
  };
}

async function main(): Promise<void> {
  let config: Config;
  let role: Role;
  try {
    config = loadConfig();
    role = parseRole(process.argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ level: config.LOG_LEVEL, name: `mulin-${role}` });
  const stop = await start(config, role, log);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    force.unref();
    stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error('fatal:', err);
  process.exit(1);
});
