import type { Queue } from 'bullmq';
import type { TriageTimers } from '../pipeline/triage/timers';
import { jobId } from './names';

export interface TimerJobData {
  inboundId: string;
}

export const TIMER_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: { count: 10000 },
  removeOnFail: { count: 10000 },
} as const;

/** One delayed job per timer, with an id derived from the message, so scheduling twice is a no-op. */
export class QueueTriageTimers implements TriageTimers {
  constructor(
    private readonly queue: Queue<TimerJobData>,
    private readonly now: () => Date,
  ) {}

  async clarifyTimeout(inboundId: string, at: Date): Promise<void> {
    await this.queue.add('clarify-timeout', { inboundId }, { ...TIMER_JOB_OPTIONS, jobId: jobId('clarify', inboundId), delay: Math.max(0, at.getTime() - this.now().getTime()) });
  }
}
