import type { Queue } from 'bullmq';
import type { InboundMessage } from '../domain/inbound-message';
import type { InboundRepo } from '../store/inbound-repo';
import { jobId } from '../queues/names';
import { ServiceUnavailableError } from './errors';

export interface IntakeJobData {
  inboundId: string;
}

export const INTAKE_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { count: 5000 },
  removeOnFail: { count: 20000 },
} as const;

/**
 * Accepting a message = storing it durably, then queuing its intake job.
 * Both must succeed before the callback is acknowledged.
 */
export class IntakeService {
  constructor(
    private readonly repo: InboundRepo,
    private readonly queue: Queue<IntakeJobData>,
  ) {}

  async accept(msg: InboundMessage): Promise<{ duplicate: boolean }> {
    const recorded = await this.record(msg);
    // A duplicate is queued again too: its first delivery may have been stored just
    // before Redis failed. The job id makes this a no-op while the job exists, and the
    // worker re-reads the message and skips it once it is done.
    await this.enqueue(msg.id);
    return recorded;
  }

  /** The durable half of accepting; callers that split it must enqueue afterwards. */
  async record(msg: InboundMessage): Promise<{ duplicate: boolean }> {
    try {
      const { created } = await this.repo.record(msg);
      return { duplicate: !created };
    } catch (err) {
      throw new ServiceUnavailableError('store', err);
    }
  }

  async enqueue(inboundId: string): Promise<void> {
    try {
      await this.queue.add('intake', { inboundId }, { ...INTAKE_JOB_OPTIONS, jobId: jobId('intake', inboundId) });
    } catch (err) {
      throw new ServiceUnavailableError('redis', err);
    }
  }
}
