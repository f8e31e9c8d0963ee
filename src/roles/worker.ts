import { UnrecoverableError, Worker } from 'bullmq';
import type { Config } from '../config';
import type { Logger } from '../log';
import { createRedis } from '../queues/redis';
import { QUEUES } from '../queues/names';
import { createIntakeProcessor } from '../queues/intake-processor';
import { INTAKE_JOB_OPTIONS, type IntakeJobData } from '../pipeline/intake';
import { createDeliveryWorker } from '../queues/delivery-queue';
import type { InboundHandler } from '../pipeline/handle-inbound';
import { WeComReplier } from '../channels/wecom/replier';
import { WeComApiClient } from '../channels/wecom/api-client';
import { LiveSender, OutboxSender, type WeComSender } from '../channels/wecom/sender';
import type { Services } from './services';
import { buildTriage, type TriageConfig } from './triage';
import { buildStaff, buildStaffReader } from './staff';
import { buildTicketClock, startTicketClock } from './ticket-clock';
import { startDigests } from './digests';
import { buildServiceDay, type ServiceDayConfig } from '../queues/service-day-runtime';
import { createInboundRouter } from '../pipeline/inbound-router';
import { snapshotDirectory } from '../pipeline/cached-compounds';
import { handleClarifyTimeout } from '../pipeline/triage/clarify-timeout';
import type { TimerJobData } from '../queues/triage-timers';

export type WorkerConfig = Pick<
  Config,
  'REDIS_URL' | 'QUEUE_PREFIX' | 'WECOM_API_BASE' | 'WECOM_CORP_ID' | 'WECOM_APP_SECRET' | 'WECOM_APP_AGENT_ID' | 'OUTBOX_PATH' | 'outboundMode'
> &
  TriageConfig &
  Pick<Config, 'FIX_CHECK_DELAY_HOURS' | 'FIX_CHECK_AUTO_CLOSE_HOURS'> &
  ServiceDayConfig;

export interface Workers {
  close(): Promise<void>;
  /** Re-queues accepted messages whose intake job never made it to Redis. */
  recoverUnprocessed(): Promise<number>;
}

export interface WorkerOptions {
  handler?: InboundHandler;
  now?: () => Date;
  /** Overrides the sender chosen from config (tests). */
  sender?: WeComSender;
  intakeConcurrency?: number;
  recoverEveryMs?: number;
  /** How old an unprocessed message must be before the sweep re-queues it. */
  recoverAfterMs?: number;
}


export function createSender(config: WorkerConfig, services: Services, log: Logger): WeComSender {
  if (config.outboundMode === 'outbox' || !config.WECOM_CORP_ID || !config.WECOM_APP_SECRET || !config.WECOM_APP_AGENT_ID) {
    return new OutboxSender({ path: config.OUTBOX_PATH });
  }
  const app = new WeComApiClient({
    baseUrl: config.WECOM_API_BASE,
    corpId: config.WECOM_CORP_ID,
    secret: config.WECOM_APP_SECRET,
    redis: services.redis,
    keyPrefix: config.QUEUE_PREFIX,
    logger: log.child({ component: 'wecom-api' }),
  });
  return new LiveSender({ app, agentId: config.WECOM_APP_AGENT_ID, baseUrl: config.WECOM_API_BASE, logger: log.child({ component: 'wecom-sender' }) });
}

/** The worker role: intake (the pipeline) and delivery (everything said to WeCom). */
export async function startWorkers(services: Services, config: WorkerConfig, log: Logger, opts: WorkerOptions = {}): Promise<Workers> {
  const now = opts.now ?? (() => new Date());
  const prefix = config.QUEUE_PREFIX;
  const intakeConn = createRedis(config.REDIS_URL, 'worker');
  const deliveryConn = createRedis(config.REDIS_URL, 'worker');
  const limiterRedis = createRedis(config.REDIS_URL, 'worker');
  const timersConn = createRedis(config.REDIS_URL, 'worker');
  const ticketClock = await buildTicketClock(services, config, log, now);
  const triage = buildTriage(services, config, log, now, ticketClock.clock);
  const clockRole = startTicketClock(services, config, ticketClock, triage, log, now);
  const serviceDay = await buildServiceDay(services, config, log.child({ component: 'service-day' }), { now, calendar: triage.calendar });
  const signups = async (month: string, codes: readonly string[]) =>
    (await serviceDay.serviceDayFigures(month as Parameters<typeof serviceDay.serviceDayFigures>[0], { compoundCodes: codes })).reduce((n, f) => n + f.signups, 0);
  const digests = await startDigests(services, config, ticketClock.fixChecks, log, now, signups);
  const serviceDayWorker = config.SERVICE_DAY_WORKER === 'off' ? null : await serviceDay.startWorker();

  const replier = new WeComReplier({
    streams: services.streams,
    outbound: services.outbound,
    now,
    log: log.child({ component: 'replier' }),
    appEnabled: config.outboundMode === 'outbox' || Boolean(config.WECOM_APP_SECRET),
  });
  const intakeWorker = new Worker<IntakeJobData, string>(
    QUEUES.intake,
    createIntakeProcessor({
      repo: services.inbound,
      compounds: snapshotDirectory(services.compounds, 30_000),
      handler:
        opts.handler ??
        createInboundRouter({
          triage: triage.handler,
          staff: buildStaff(services, triage, buildStaffReader(config, log.child({ component: 'staff-reader' }))),
          residents: [clockRole.fixCheck, serviceDay.residentSignup],
          staffFirst: [clockRole.fixCheck, serviceDay.staffPlan],
          cards: [clockRole.fixCheck],
        }),
      replier,
      log: log.child({ component: 'intake' }),
      metrics: services.metrics,
      now,
    }),
    { connection: intakeConn, prefix, concurrency: opts.intakeConcurrency ?? 16 },
  );
  intakeWorker.on('error', (err) => log.error({ err }, 'intake worker error'));
  intakeWorker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? INTAKE_JOB_OPTIONS.attempts);
    log.error({ inboundId: job.data.inboundId, attempt: job.attemptsMade, final, err: err.message }, 'intake job failed');
    if (final) void services.inbound.markFailed(job.data.inboundId, err.message, now()).catch(() => undefined);
  });

  const deliveryWorker = createDeliveryWorker({
    connection: deliveryConn,
    prefix,
    deps: {
      repo: services.deliveries,
      sender: opts.sender ?? createSender(config, services, log),
      redis: limiterRedis,
      prefix,
      logger: log.child({ component: 'delivery' }),
    },
  });

  const timersWorker = new Worker<TimerJobData, string>(
    QUEUES.timers,
    async (job) => {
      if (job.name === 'clarify-timeout') return handleClarifyTimeout(triage.clarifyTimeoutDeps, job.data.inboundId);
      throw new UnrecoverableError(`unknown timer job ${job.name}`);
    },
    { connection: timersConn, prefix, concurrency: 8 },
  );
  timersWorker.on('error', (err) => log.error({ err }, 'timers worker error'));
  timersWorker.on('failed', (job, err) => log.error({ job: job?.name, jobId: job?.id, err: err.message }, 'timer job failed'));

  const recoverUnprocessed = async (): Promise<number> => {
    const ids = await services.inbound.listUnprocessed(new Date(now().getTime() - (opts.recoverAfterMs ?? 30_000)), 500);
    for (const id of ids) await services.intake.enqueue(id);
    if (ids.length > 0) log.warn({ count: ids.length }, 're-queued accepted messages without a job');
    return ids.length;
  };
  const timer = setInterval(() => {
    recoverUnprocessed().catch((err) => log.warn({ err: (err as Error).message }, 'recovery sweep failed'));
  }, opts.recoverEveryMs ?? 60_000);
  timer.unref();

  return {
    recoverUnprocessed,
    async close() {
      clearInterval(timer);
      // Worker.close waits for the jobs in progress to finish.
      await Promise.all([intakeWorker.close(), deliveryWorker.close(), timersWorker.close()]);
      await clockRole.close();
      await digests.close();
      await serviceDayWorker?.close();
      await serviceDay.close();
      for (const c of [intakeConn, deliveryConn, limiterRedis, timersConn]) c.disconnect();
    },
  };
}

