import { Queue } from 'bullmq';
import type { Config } from '../config';
import type { Logger } from '../log';
import { WeComDigestSender } from '../channels/wecom/digest-sender';
import type { DigestDeps } from '../pipeline/digest/send-digests';
import { createDigestWorker, DIGEST_QUEUE, upsertDigestSchedules, type DigestJobData } from '../queues/digest-queue';
import { createRedis } from '../queues/redis';
import type { FixCheckRepo } from '../store/fix-check-repo';
import type { Services } from './services';

export function digestDeps(services: Services, fixChecks: FixCheckRepo, log: Logger, now: () => Date, signups?: DigestDeps['signups']): DigestDeps {
  return { tickets: services.tickets, fixChecks, compounds: services.compounds, sender: new WeComDigestSender(services.outbound), signups, now, log: log.child({ component: 'digests' }) };
}

/** Weekly and monthly digests: schedulers upserted at boot, a worker for the fan-out and the sends. */
export async function startDigests(services: Services, config: Pick<Config, 'REDIS_URL' | 'QUEUE_PREFIX'>, fixChecks: FixCheckRepo, log: Logger, now: () => Date, signups?: DigestDeps['signups']) {
  const queue = new Queue<DigestJobData>(DIGEST_QUEUE, { connection: services.redis, prefix: config.QUEUE_PREFIX });
  queue.on('error', (err) => log.warn({ queue: DIGEST_QUEUE, err: err.message }, 'queue error'));
  await upsertDigestSchedules(queue);
  const connection = createRedis(config.REDIS_URL, 'worker');
  const worker = createDigestWorker({ connection, prefix: config.QUEUE_PREFIX, queue, deps: digestDeps(services, fixChecks, log, now, signups), log });
  return {
    queue,
    async close() {
      await worker.close();
      await queue.close();
      connection.disconnect();
    },
  };
}
