import type { Queue } from 'bullmq';
import type { InboundMessage } from '../domain/inbound-message';
import type { InboundRepo } from '../store/inbound-repo';
import type { SenderHistory } from '../hints/sender-history';
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
    private readonly history: Pick<SenderHistory, 'remember'>,
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
    let created: boolean;
    try {
      ({ created } = await this.repo.record(msg));
    } catch (err) {
      throw new ServiceUnavailableError('store', err);
    }
    // Remembered on arrival, not when handled, so a "+1" handled alongside the report it
    // seconds still finds it. Only a hint for context: failing to write it refuses nothing.
    if (created && msg.kind === 'text' && msg.chatId) await this.history.remember(msg.chatId, msg.senderId, msg).catch(() => undefined);
    return { duplicate: !created };
  }

  async enqueue(inboundId: string): Promise<void> {
    try {
      await this.queue.add('intake', { inboundId }, { ...INTAKE_JOB_OPTIONS, jobId: jobId('intake', inboundId) });
    } catch (err) {
      throw new ServiceUnavailableError('redis', err);
    }
  }
}
