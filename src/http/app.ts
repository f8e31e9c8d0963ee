import Koa from 'koa';
import type Router from '@koa/router';
import type { Logger } from '../log';
import { errorMiddleware } from './error-middleware';
import { healthRoutes, type HealthChecks } from './health-routes';
import type { Metrics } from './metrics';

export interface AppDeps {
  log: Logger;
  metrics: Metrics;
  health: HealthChecks;
  /** Channel routers (WeCom AI bot and app callbacks), built by their adapters. */
  channels: Router[];
}

/** The Koa app without listening: main.ts listens, tests call app.callback(). */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: true });
  app.silent = true;
  app.use(errorMiddleware(deps.log));
  const health = healthRoutes(deps.health, deps.metrics);
  app.use(health.routes()).use(health.allowedMethods());
  for (const router of deps.channels) app.use(router.routes()).use(router.allowedMethods());
  return app;
}
