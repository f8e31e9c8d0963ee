/** Calls and milliseconds spent in named async methods, per bench run. */
export class CallTimes {
  readonly byName = new Map<string, { calls: number; ms: number }>();

  add(name: string, ms: number): void {
    const t = this.byName.get(name) ?? { calls: 0, ms: 0 };
    t.calls++;
    t.ms += ms;
    this.byName.set(name, t);
  }

  reset(): Map<string, { calls: number; ms: number }> {
    const out = new Map(this.byName);
    this.byName.clear();
    return out;
  }
}

/**
 * The object itself, with the listed async methods timed into `times` under `label.method`.
 * A proxy, not a wrapper class: the app's code gets the real repository and cannot tell.
 */
export function timed<T extends object>(target: T, label: string, methods: readonly string[], times: CallTimes): T {
  return new Proxy(target, {
    get(t, prop, _receiver) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== 'function' || typeof prop !== 'string' || !methods.includes(prop)) return value;
      return async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return (await (value as (...a: unknown[]) => Promise<unknown>).apply(t, args)) as unknown;
        } finally {
          times.add(`${label}.${prop}`, performance.now() - started);
        }
      };
    },
  });
}

export interface CpuUse {
  /** CPU seconds of this process (the app's code under test runs here). */
  bench: number;
  redis: number;
  store: number;
}

/** CPU seconds of this process and of the local Redis and store between start and stop (NaN when their pid is unknown). */
export class CpuMeter {
  constructor(
    private readonly pids: { redis: number | null; store: number | null },
    private readonly cpuSeconds: (pid: number) => number,
  ) {}

  start(): () => CpuUse {
    const self = process.cpuUsage();
    const of = (pid: number | null) => (pid === null ? Number.NaN : this.cpuSeconds(pid));
    const redis = of(this.pids.redis);
    const store = of(this.pids.store);
    return () => {
      const d = process.cpuUsage(self);
      return { bench: (d.user + d.system) / 1e6, redis: of(this.pids.redis) - redis, store: of(this.pids.store) - store };
    };
  }
}
