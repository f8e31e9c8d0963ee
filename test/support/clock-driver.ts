import type { JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Ticket } from '../../src/domain/ticket';
import type { TimerKind } from '../../src/pipeline/clock/timer-plan';
import { TICKET_CLOCK_QUEUE, type TicketClockJobData } from '../../src/queues/ticket-clock-queue';

const SLUG: Record<TimerKind, string> = { remind: 'remind', due: 'due', wake: 'wake', report_in: 'reportin', fix_check: 'fix', auto_close: 'close' };

/** The job id a timer must have: instant-keyed, or version-keyed for the fix-check and auto-close. */
export function timerId(kind: TimerKind, t: Pick<Ticket, 'id' | 'version'>, at?: Date): string {
  return at ? `tclock-${SLUG[kind]}-${t.id}-${at.getTime()}` : `tclock-${SLUG[kind]}-${t.id}-v${t.version}`;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Instead of sleeping: the test moved its clock; this runs the delayed job now and returns what the worker returned. */
export async function fireTimer(queue: Queue<TicketClockJobData>, id: string): Promise<string> {
  const job = await queue.getJob(id);
  if (!job) throw new Error(`no job ${id}`);
  if (await job.isDelayed()) await job.promote();
  return until(`timer ${id}`, async () => {
    // State first: a job read before it completed carries no return value.
    const state = await queue.getJobState(id);
    const j = await queue.getJob(id);
    if (j?.failedReason) throw new Error(`timer ${id} failed: ${j.failedReason}`);
    return state === 'completed' ? String(j?.returnvalue) : undefined;
  });
}

/** Runs a delayed job before the clock reached it; resolves with its state once the worker has dealt with it. */
export async function promoteEarly(queue: Queue<TicketClockJobData>, id: string): Promise<string> {
  const job = await queue.getJob(id);
  if (!job) throw new Error(`no job ${id}`);
  await job.promote();
  return until(`timer ${id} handled`, async () => {
    const state = await queue.getJobState(id);
    return state === 'delayed' || state === 'completed' ? state : undefined;
  });
}

export async function clockJobsOf(queue: Queue<TicketClockJobData>, ticketId: string, types: JobType[]): Promise<string[]> {
  const jobs = await queue.getJobs(types);
  return jobs.filter((j) => j.data.ticketId === ticketId).map((j) => String(j.id));
}

/** The per-ticket sync records live beside the queue, under the same prefix. */
export async function dropClockState(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:${TICKET_CLOCK_QUEUE}-sync:*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
