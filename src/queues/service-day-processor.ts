import { UnrecoverableError, type Job } from 'bullmq';
import type { CompoundJob, JobOutcome, ServiceDayDeps, SweepStep } from '../pipeline/service-day/deps';
import { announce } from '../pipeline/service-day/announce';
import { remindOwner } from '../pipeline/service-day/owner-reminder';
import { remindPlan } from '../pipeline/service-day/plan-reminder';
import { requestSummary } from '../pipeline/service-day/summary-request';
import { sweep, type SweepOptions } from '../pipeline/service-day/sweep';
import { SWEEP_JOB, type ServiceDayJobData } from './service-day-queue';

export interface ServiceDayProcessorDeps extends ServiceDayDeps {
  now: () => Date;
  sweep: SweepOptions;
}

/** Dispatches sweeps and per-compound jobs; returns what the job did (kept as its return value). */
export function createServiceDayProcessor(deps: ServiceDayProcessorDeps) {
  return async (job: Job<ServiceDayJobData>): Promise<JobOutcome | number> => {
    const now = deps.now();
    if (job.name === SWEEP_JOB) return sweep(deps, (job.data as { step: SweepStep }).step, now, deps.sweep);
    const compoundJob = { name: job.name, data: job.data } as CompoundJob;
    const log = deps.log.child({ jobId: job.id, job: job.name });
    const d = { ...deps, log };
    switch (compoundJob.name) {
      case 'announce':
        return announce(d, compoundJob.data, now);
      case 'plan-reminder':
        return remindPlan(d, compoundJob.data, now);
      case 'summary-request':
        return requestSummary(d, compoundJob.data, now);
      case 'owner-reminder':
        return remindOwner(d, compoundJob.data, now);
      default:
        throw new UnrecoverableError(`unknown service-day job ${job.name}`);
    }
  };
}
