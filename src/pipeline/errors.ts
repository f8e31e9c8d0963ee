/** A dependency (store or queue) is down: the caller must not acknowledge, so the sender retries. */
export class ServiceUnavailableError extends Error {
  readonly status = 503;
  constructor(
    readonly dependency: 'store' | 'queue',
    override readonly cause: unknown,
  ) {
    super(`${dependency} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ServiceUnavailableError';
  }
}
