import type { JobsOptions, Queue } from 'bullmq';
import type { ServiceDayTiming } from '../domain/service-day-due';
import type { CompoundJob, CompoundJobSink, CompoundJobSpec, SweepStep } from '../pipeline/service-day/deps';

export const SERVICE_DAY_QUEUE = 'service-day';
export const SWEEP_JOB = 'sweep';

export interface SweepJobData {
  step: SweepStep;
}

export type ServiceDayJobData = SweepJobData | CompoundJob['data'];

export const SWEEP_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 10_000 },
  removeOnComplete: { count: 500 },
  removeOnFail: { count: 500 },
};

/**
 * Per-compound jobs leave Redis when they finish, failed ones included: while a job waits its
 * id keeps a second sweep from queuing it again, and once it has run the Mongo ledger is what
 * says it is done. A failed job kept in Redis would block the next sweep from retrying it.
 */
export const COMPOUND_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: true,
};

/** Stable scheduler ids: upserting them at every boot, from every worker, keeps one of each. */
export function serviceDaySchedulers(t: ServiceDayTiming): Array<{ id: string; step: SweepStep; pattern: string }> {
  return [
    // Daily, not only on the remind day: a compound registered later in the week is still reminded once.
    { id: 'sd-plan-reminder', step: 'plan-reminder', pattern: `0 ${t.hours.planReminderHour} * * *` },
    // Daily, because a branch may move its day to any day of the month.
    { id: 'sd-eve', step: 'eve', pattern: `0 ${t.hours.eveAnnouncementHour} * * *` },
    { id: 'sd-day', step: 'day', pattern: `0 ${t.hours.morningAnnouncementHour} * * *` },
    { id: 'sd-summary', step: 'summary', pattern: `0 ${t.hours.summaryRequestHour} * * *` },
    { id: 'sd-owner-reminders', step: 'owner-reminders', pattern: '*/10 * * * *' },
  ];
}

export async function upsertServiceDaySchedulers(queue: Queue, timing: ServiceDayTiming): Promise<void> {
  for (const s of serviceDaySchedulers(timing)) {
    await queue.upsertJobScheduler(s.id, { pattern: s.pattern, tz: 'Asia/Shanghai' }, { name: SWEEP_JOB, data: { step: s.step }, opts: SWEEP_JOB_OPTIONS });
  }
}

/** Queues sweeps and the per-compound jobs a sweep fans out to (addBulk per chunk). */
export class ServiceDayJobs implements CompoundJobSink {
  constructor(private readonly queue: Queue) {}

  async addSweep(step: SweepStep): Promise<void> {
    await this.queue.add(SWEEP_JOB, { step }, SWEEP_JOB_OPTIONS);
  }

  async addCompoundJobs(specs: readonly CompoundJobSpec[]): Promise<void> {
    await this.queue.addBulk(specs.map((s) => ({ name: s.name, data: s.data, opts: { ...COMPOUND_JOB_OPTIONS, jobId: s.id } })));
  }
}
