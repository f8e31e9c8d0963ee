import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../log';
import type { Metrics } from '../http/metrics';
import type { InboundHandler } from '../pipeline/handle-inbound';
import type { IntakeJobData } from '../pipeline/intake';
import type { Replier } from '../pipeline/replier';
import { resolveCompound, type CompoundDirectory } from '../pipeline/compound-lookup';
import type { InboundRepo } from '../store/inbound-repo';

export interface IntakeProcessorDeps {
  repo: InboundRepo;
  compounds: CompoundDirectory;
  handler: InboundHandler;
  replier: Replier;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
}

/**
 * One intake job per accepted message. It re-reads the message and does nothing
 * if another worker already finished it, so a re-queued or replayed job is harmless.
 */
export function createIntakeProcessor(deps: IntakeProcessorDeps) {
  return async (job: Job<IntakeJobData>): Promise<string> => {
    const { inboundId } = job.data;
    const log = deps.log.child({ inboundId, jobId: job.id });
    const msg = await deps.repo.get(inboundId);
    if (!msg) {
      deps.metrics.intakeJobs.inc({ outcome: 'missing' });
      throw new UnrecoverableError(`inbound message ${inboundId} not found`);
    }
    if (msg.status !== 'received') {
      deps.metrics.intakeJobs.inc({ outcome: 'already_done' });
      log.debug({ status: msg.status }, 'intake skipped: already processed');
      return 'skipped';
    }
    const { compound, chatRole } = await resolveCompound(deps.compounds, msg);
    const inbound = { ...msg, compoundCode: compound?.code ?? null };

    const result = await deps.handler(inbound, { log, now: deps.now, compound, chatRole });
    // Reply before marking done: if the worker dies in between, the retried job
    // replies again, and every reply route is keyed by the message id, so nothing doubles.
    const route = result.reply === null ? 'none' : await deps.replier.reply(inbound, result.reply, compound);
    await deps.repo.markDone(inboundId, { replyText: result.reply, handledBy: result.handledBy, compoundCode: compound?.code ?? null }, deps.now());
    deps.metrics.intakeJobs.inc({ outcome: 'done' });
    log.info({ handledBy: result.handledBy, route, compound: compound?.code ?? null }, 'message handled');
    return route;
  };
}
