import { DelayedError, UnrecoverableError, Worker, type Job, type MinimalJob, type Processor, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { WeComApiError, isRetryable } from '../channels/wecom/api-errors';
import { DEFAULT_RATE_LIMITS, rateLimitKeys, type Destination, type RateLimits } from '../channels/wecom/destination';
import { tryAcquire } from '../channels/wecom/rate-limit';
import type { WeComSender } from '../channels/wecom/sender';
import type { Logger } from '../log';
import type { DeliveryError, DeliveryRepo } from '../store/delivery-repo';
import { QUEUES, jobId } from './names';

export const DELIVERY_JOB = 'deliver';

/** Ids only: the content stays in the store, never in Redis. */
export interface DeliveryJobData {
  deliveryId: string;
}

export type DeliveryJobResult = { status: 'sent'; msgid?: string } | { status: 'skipped'; reason: 'already_sent' | 'already_failed' | 'missing' };

export interface DeliveryRetry {
  attempts: number;
  /** First backoff; doubles per attempt up to MAX_BACKOFF_MS. */
  backoffDelayMs: number;
}

// 25 attempts from 5 s, capped at 30 min: about nine hours of WeCom outage before a message is given up.
export const DEFAULT_DELIVERY_RETRY: DeliveryRetry = { attempts: 25, backoffDelayMs: 5_000 };
export const MAX_BACKOFF_MS = 30 * 60_000;
export const DELIVERY_BACKOFF_TYPE = 'delivery';

/**
 * BullMQ's built-in exponential backoff has no cap (5 s · 2^24 is a year), so delivery jobs name
 * this strategy; the worker must be built with it (`createDeliveryWorker` does). ±20 % jitter
 * keeps the replicas from retrying a WeCom outage in lockstep.
 */
export function deliveryBackoff(attemptsMade: number, _type?: string, _err?: Error, job?: MinimalJob): number {
  const base = job?.opts.backoff && typeof job.opts.backoff === 'object' ? (job.opts.backoff.delay ?? DEFAULT_DELIVERY_RETRY.backoffDelayMs) : DEFAULT_DELIVERY_RETRY.backoffDelayMs;
  const exp = Math.min(MAX_BACKOFF_MS, base * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

export interface DeliveryOutboxOptions {
  queue: Queue<DeliveryJobData>;
  repo: DeliveryRepo;
  retry?: Partial<DeliveryRetry>;
}

/** The only way outbound WeCom messages are sent: stored first, then queued, so an outage delays instead of losing them. */
export class DeliveryOutbox {
  private readonly retry: DeliveryRetry;

  constructor(private readonly opts: DeliveryOutboxOptions) {
    this.retry = { ...DEFAULT_DELIVERY_RETRY, ...opts.retry };
  }

  /**
   * Idempotent on `id`: a second call stores nothing and adds no second job. A call whose first
   * try stored the delivery but lost the job (Redis down) adds the missing job.
   * `after` names a delivery that must be sent first.
   */
  async enqueue(id: string, dest: Destination, body: object, opts: { after?: string } = {}): Promise<void> {
    const created = await this.opts.repo.createIfAbsent({ id, destination: dest, body, after: opts.after ?? null });
    if (!created) {
      const existing = await this.opts.repo.get(id);
      if (existing && existing.status !== 'pending') return;
    }
    await this.addJob(id);
  }

  /**
   * Stores already-split parts as `${key}-1`, `${key}-2`, … each sent only after the previous one,
   * so a long text arrives in order even when the rate limiter or a retry delays a part.
   */
  async enqueueParts(key: string, dest: Destination, bodies: readonly object[]): Promise<string[]> {
    const ids: string[] = [];
    for (const [i, body] of bodies.entries()) {
      const id = `${key}-${i + 1}`;
      const after = ids[i - 1];
      await this.enqueue(id, dest, body, after === undefined ? {} : { after });
      ids.push(id);
    }
    return ids;
  }

  /** Re-adds jobs for deliveries still pending after `olderThanMs` (their job may have been lost); returns how many. */
  async requeuePending(olderThanMs: number, limit = 500): Promise<number> {
    const stale = await this.opts.repo.listPending(new Date(Date.now() - olderThanMs), limit);
    for (const d of stale) await this.addJob(d.id);
    return stale.length;
  }

  private async addJob(id: string): Promise<void> {
    await this.opts.queue.add(
      DELIVERY_JOB,
      { deliveryId: id },
      {
        jobId: jobId('deliver', id),
        attempts: this.retry.attempts,
        backoff: { type: DELIVERY_BACKOFF_TYPE, delay: this.retry.backoffDelayMs },
        removeOnComplete: { count: 1000, age: 24 * 3600 },
        removeOnFail: { count: 5000, age: 14 * 24 * 3600 },
      },
    );
  }
}

export interface DeliveryProcessorDeps {
  repo: DeliveryRepo;
  sender: WeComSender;
  /** For the rate-limit windows; shared by all replicas. */
  redis: Redis;
  prefix: string;
  logger: Logger;
  limits?: RateLimits;
  /** How often a later part checks whether the previous part went out. */
  orderPollMs?: number;
}

// A part whose predecessor is still pending this long after it was stored goes out anyway.
const MAX_ORDER_WAIT_MS = 24 * 3600_000;

function toDeliveryError(err: unknown): DeliveryError {
  const message = err instanceof Error ? err.message : String(err);
  return err instanceof WeComApiError && err.errcode !== null ? { errcode: err.errcode, message } : { message };
}

async function delayJob(job: Job, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

/**
 * Re-reads the delivery (sent or failed: nothing to do), waits for the previous part and the
 * rate limit (delays that cost no attempt), sends, records the outcome. Transient errors are
 * rethrown for the queue's backoff; configuration and recipient errors fail the job for good.
 */
export function createDeliveryProcessor(deps: DeliveryProcessorDeps): Processor<DeliveryJobData, DeliveryJobResult> {
  const limits = deps.limits ?? DEFAULT_RATE_LIMITS;
  const orderPollMs = deps.orderPollMs ?? 1_000;

  return async (job, token) => {
    const id = job.data.deliveryId;
    const log = deps.logger.child({ deliveryId: id, jobId: job.id });
    const d = await deps.repo.get(id);
    if (!d) {
      log.warn('delivery job without a stored delivery');
      return { status: 'skipped', reason: 'missing' };
    }
    if (d.status !== 'pending') return { status: 'skipped', reason: d.status === 'sent' ? 'already_sent' : 'already_failed' };

    const age = Date.now() - d.createdAt.getTime();
    if (d.after !== null && age < MAX_ORDER_WAIT_MS) {
      const previous = await deps.repo.get(d.after);
      // Poll less often the longer the previous part is held up (e.g. by a WeCom outage).
      if (previous?.status === 'pending') return delayJob(job, token, Math.min(60_000, Math.max(orderPollMs, Math.floor(age / 10))));
    }

    const slot = await tryAcquire(deps.redis, deps.prefix, rateLimitKeys(d.destination, limits));
    if (!slot.ok) {
      log.debug({ kind: d.destination.kind, retryAfterMs: slot.retryAfterMs }, 'delivery waits for the rate limit');
      return delayJob(job, token, slot.retryAfterMs);
    }

    let result;
    try {
      result = await deps.sender.deliver(d.destination, d.body);
    } catch (err) {
      const lastError = toDeliveryError(err);
      const api = err instanceof WeComApiError ? err.api : undefined;
      if (isRetryable(err)) {
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
          await deps.repo.markFailed(id, lastError);
          log.error({ kind: d.destination.kind, api, errcode: lastError.errcode, attempts: job.attemptsMade + 1 }, `delivery gave up: ${lastError.message}`);
        } else {
          await deps.repo.markAttempt(id, lastError);
          log.warn({ kind: d.destination.kind, api, errcode: lastError.errcode, attempt: job.attemptsMade + 1 }, `delivery will retry: ${lastError.message}`);
        }
        throw err;
      }
      await deps.repo.markFailed(id, lastError);
      log.error({ kind: d.destination.kind, api, errcode: lastError.errcode }, `delivery failed permanently: ${lastError.message}`);
      throw new UnrecoverableError(`delivery ${id}: ${lastError.message}`);
    }

    await deps.repo.markSent(id, result);
    log.info({ kind: d.destination.kind, msgid: result.msgid }, 'delivered');
    return result.msgid === undefined ? { status: 'sent' } : { status: 'sent', msgid: result.msgid };
  };
}

export interface DeliveryWorkerOptions {
  /** A connection made with createRedis(url, 'worker'). */
  connection: Redis;
  /** The BullMQ prefix (QUEUE_PREFIX). */
  prefix: string;
  deps: DeliveryProcessorDeps;
  concurrency?: number;
  queueName?: string;
}

/** The delivery worker with the backoff strategy its jobs name; use this rather than `new Worker` directly. */
export function createDeliveryWorker(opts: DeliveryWorkerOptions): Worker<DeliveryJobData, DeliveryJobResult> {
  const worker = new Worker<DeliveryJobData, DeliveryJobResult>(opts.queueName ?? QUEUES.delivery, createDeliveryProcessor(opts.deps), {
    connection: opts.connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency ?? 8,
    settings: { backoffStrategy: deliveryBackoff },
  });
  worker.on('error', (err) => opts.deps.logger.error({ err }, 'delivery worker error'));
  return worker;
}
