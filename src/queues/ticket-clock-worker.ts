import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import { runTimer } from '../pipeline/clock/run-timer';
import type { TimerDeps } from '../pipeline/clock/timer-deps';
import { isTimerKind } from '../pipeline/clock/timer-plan';
import { TICKET_CLOCK_JOB_OPTIONS, TICKET_CLOCK_QUEUE, type TicketClockJobData } from './ticket-clock-queue';

export interface TicketClockWorkerOptions {
  /** A worker connection (maxRetriesPerRequest: null). */
  connection: Redis;
  prefix: string;
  deps: TimerDeps;
  log: Logger;
  concurrency?: number;
}

/** Runs the ticket timers; a timer that is not due yet (promoted early, a reminder at night) goes back to waiting. */
export function createTicketClockWorker(o: TicketClockWorkerOptions): Worker<TicketClockJobData, string> {
  const worker = new Worker<TicketClockJobData, string>(
    TICKET_CLOCK_QUEUE,
    async (job, token) => {
      if (!isTimerKind(job.name) || !job.id) throw new UnrecoverableError(`unknown ticket timer ${job.name}`);
      const result = await runTimer(o.deps, { id: job.id, kind: job.name, ticketId: job.data.ticketId });
      if (result.kind === 'done') return result.outcome;
      // BullMQ counts delays on the Redis host's clock; the wait is measured on ours.
      await job.moveToDelayed(Date.now() + Math.max(0, result.at.getTime() - o.deps.now().getTime()), token);
      throw new DelayedError();
    },
    { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency ?? 8 },
  );
  worker.on('error', (err) => o.log.error({ err }, 'ticket clock worker error'));
  worker.on('completed', (job, outcome) => o.log.info({ jobId: job.id, timer: job.name, outcome }, 'ticket timer ran'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? TICKET_CLOCK_JOB_OPTIONS.attempts);
    o.log.error({ jobId: job.id, timer: job.name, attempt: job.attemptsMade, final, err: err.message }, final ? 'ticket timer failed for good' : 'ticket timer failed');
  });
  return worker;
}
