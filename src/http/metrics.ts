import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  callbacks: Counter<'route' | 'outcome'>;
  callbackSeconds: Histogram<'route'>;
  intakeJobs: Counter<'outcome'>;
  deliveries: Counter<'kind' | 'outcome'>;
}

/** One registry per process (and per test app), so two apps in one test don't collide. */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'mulin_' });
  return {
    registry,
    callbacks: new Counter({ name: 'mulin_callbacks_total', help: 'WeCom callbacks by route and outcome', labelNames: ['route', 'outcome'], registers: [registry] }),
    callbackSeconds: new Histogram({
      name: 'mulin_callback_duration_seconds',
      help: 'Time to answer a WeCom callback',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    intakeJobs: new Counter({ name: 'mulin_intake_jobs_total', help: 'Intake jobs by outcome', labelNames: ['outcome'], registers: [registry] }),
    deliveries: new Counter({ name: 'mulin_deliveries_total', help: 'Outbound WeCom deliveries by kind and outcome', labelNames: ['kind', 'outcome'], registers: [registry] }),
  };
}
