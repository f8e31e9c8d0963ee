export type Dependency = 'store' | 'redis';

/** A dependency (store or Redis) is down: the caller must not acknowledge, so the sender retries. */
export class ServiceUnavailableError extends Error {
  readonly status = 503;
  readonly reason: string;
  constructor(
    readonly dependency: Dependency,
    override readonly cause: unknown,
  ) {
    super(`${dependency} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ServiceUnavailableError';
    this.reason = `${dependency}_unavailable`;
  }
}

/** Runs a call to a dependency, turning any failure into ServiceUnavailableError. */
export async function orUnavailable<T>(dependency: Dependency, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new ServiceUnavailableError(dependency, err);
  }
}
