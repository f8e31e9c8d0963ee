import { Queue, Worker } from 'bullmq';
import type { Config } from '../config';
import type { Logger } from '../log';
import { DEFAULT_TIMING, type ServiceDayTiming } from '../domain/service-day-due';
import { createWorkCalendar, type WorkCalendar } from '../domain/work-calendar';
import { loadPrompt } from '../llm/prompt';
import type { Interceptor } from '../pipeline/inbound-router';
import type { ServiceDayOutbound, ServiceDayStores } from '../pipeline/service-day/deps';
import { createServiceDayFigures, type ServiceDayFiguresFn } from '../pipeline/service-day/figures';
import { OpenAiPlanReader } from '../pipeline/service-day/plan-llm';
import { createPlanReader } from '../pipeline/service-day/read-plan';
import { createResidentSignupInterceptor } from '../pipeline/service-day/resident-signup-interceptor';
import { createStaffPlanInterceptor } from '../pipeline/service-day/staff-plan-interceptor';
import { ALL_SWEEP_STEPS } from '../pipeline/service-day/sweep';
import type { Services } from '../roles/services';
import { ServiceDayRunRepo } from '../store/service-day-run-repo';
import { ServicePlanRepo } from '../store/service-day-plan-repo';
import { ServiceSignupRepo } from '../store/service-day-signup-repo';
import { createRedis } from './redis';
import { createServiceDayProcessor } from './service-day-processor';
import { SERVICE_DAY_QUEUE, ServiceDayJobs, upsertServiceDaySchedulers, type ServiceDayJobData } from './service-day-queue';

/** Config keys the service day reads; the SERVICE_DAY_* ones are optional until config.ts declares them. */
export type ServiceDayConfig = Pick<
  Config,
  'REDIS_URL' | 'QUEUE_PREFIX' | 'OPENAI_BASE_URL' | 'OPENAI_API_KEY' | 'OPENAI_MODEL' | 'OPENAI_TIMEOUT_MS' | 'OPENAI_MAX_RETRIES' | 'OPENAI_RESPONSE_FORMAT'
> & {
  SERVICE_DAY_REMIND_DAY?: number;
  SERVICE_DAY_PLAN_REMINDER_HOUR?: number;
  SERVICE_DAY_EVE_HOUR?: number;
  SERVICE_DAY_MORNING_HOUR?: number;
  SERVICE_DAY_SUMMARY_HOUR?: number;
  /** Minutes after a customer-group task at which its owner is reminded, e.g. "30,90". */
  SERVICE_DAY_OWNER_REMINDER_MINUTES?: string;
  SERVICE_DAY_FANOUT_CHUNK?: number;
  /** 'off': worker.ts wires the interceptors but starts no service-day worker (tests that drive their own). */
  SERVICE_DAY_WORKER?: 'on' | 'off';
};

export function timingFrom(c: ServiceDayConfig): ServiceDayTiming {
  const h = DEFAULT_TIMING.hours;
  const minutes = c.SERVICE_DAY_OWNER_REMINDER_MINUTES?.split(',').map((s) => Number(s.trim()));
  return {
    remindDay: c.SERVICE_DAY_REMIND_DAY ?? DEFAULT_TIMING.remindDay,
    hours: {
      planReminderHour: c.SERVICE_DAY_PLAN_REMINDER_HOUR ?? h.planReminderHour,
      eveAnnouncementHour: c.SERVICE_DAY_EVE_HOUR ?? h.eveAnnouncementHour,
      morningAnnouncementHour: c.SERVICE_DAY_MORNING_HOUR ?? h.morningAnnouncementHour,
      summaryRequestHour: c.SERVICE_DAY_SUMMARY_HOUR ?? h.summaryRequestHour,
    },
    ownerReminderMinutes: minutes?.every((m) => Number.isInteger(m) && m > 0) ? minutes : DEFAULT_TIMING.ownerReminderMinutes,
  };
}

export interface ServiceDayOptions {
  now?: () => Date;
  /** The triage calendar (holiday names in announcements); defaults to the packaged one. */
  calendar?: WorkCalendar;
  outbound?: ServiceDayOutbound;
}

export interface ServiceDayWorkerOptions {
  /** Sweep every step once at start, so what fell due while workers were down still goes out (default true). */
  catchUp?: boolean;
  concurrency?: number;
  /** Tests: a short lock so a stopped worker's job is picked up again quickly. */
  lockDuration?: number;
  stalledInterval?: number;
  fanOutChunk?: number;
  afterChunk?: (chunk: number) => Promise<void>;
}

export interface ServiceDayWorker {
  worker: Worker<ServiceDayJobData>;
  /** Queues one sweep of every step now. */
  catchUp(): Promise<void>;
  close(force?: boolean): Promise<void>;
}

export interface ServiceDay {
  /** Router `staffFirst`: plan registration, moves, summaries, undo, owners' "已群发". */
  staffPlan: Interceptor;
  /** Router `residents`: sign-ups and questions under the announcement. */
  residentSignup: Interceptor;
  /** For the monthly report. */
  serviceDayFigures: ServiceDayFiguresFn;
  stores: ServiceDayStores;
  jobs: ServiceDayJobs;
  queue: Queue<ServiceDayJobData>;
  /** Upserts the schedulers, starts the worker and (by default) catches up. */
  startWorker(opts?: ServiceDayWorkerOptions): Promise<ServiceDayWorker>;
  /** Closes the producer queue; workers are closed through their own handle. */
  close(): Promise<void>;
}

/** The service-day repositories on the shared connection (the monthly digest needs only these). */
export async function serviceDayStores(services: Pick<Services, 'conn' | 'compounds'>): Promise<ServiceDayStores> {
  const stores: ServiceDayStores = {
    plans: new ServicePlanRepo(services.conn, { movedToCacheMs: 30_000 }),
    signups: new ServiceSignupRepo(services.conn),
    runs: new ServiceDayRunRepo(services.conn),
    compounds: services.compounds,
  };
  await Promise.all([stores.plans.init(), stores.signups.init(), stores.runs.init()]);
  return stores;
}

/** The service-day feature: repositories, interceptors, queue and worker, composed from the shared services. */
export async function buildServiceDay(services: Services, config: ServiceDayConfig, log: Logger, opts: ServiceDayOptions = {}): Promise<ServiceDay> {
  const now = opts.now ?? (() => new Date());
  const timing = timingFrom(config);
  const stores = await serviceDayStores(services);
  const queue = new Queue<ServiceDayJobData>(SERVICE_DAY_QUEUE, { connection: services.redis, prefix: config.QUEUE_PREFIX });
  queue.on('error', (err) => log.warn({ queue: SERVICE_DAY_QUEUE, err: err.message }, 'queue error'));
  const jobs = new ServiceDayJobs(queue);
  const llm =
    config.OPENAI_BASE_URL && config.OPENAI_MODEL
      ? new OpenAiPlanReader({
          baseUrl: config.OPENAI_BASE_URL,
          apiKey: config.OPENAI_API_KEY,
          model: config.OPENAI_MODEL,
          timeoutMs: Math.min(config.OPENAI_TIMEOUT_MS, 5000),
          maxRetries: config.OPENAI_MAX_RETRIES,
          responseFormat: config.OPENAI_RESPONSE_FORMAT,
          prompt: loadPrompt('service-plan'),
        })
      : null;
  const read = createPlanReader({ llm, log: log.child({ component: 'service-plan-reader' }) });
  const deps = { ...stores, outbound: opts.outbound ?? services.outbound, calendar: opts.calendar ?? createWorkCalendar(), timing, log };

  return {
    staffPlan: createStaffPlanInterceptor({ ...stores, read, timing }),
    residentSignup: createResidentSignupInterceptor({ ...stores, timing }),
    serviceDayFigures: createServiceDayFigures(stores),
    stores,
    jobs,
    queue,
    async startWorker(w: ServiceDayWorkerOptions = {}) {
      await upsertServiceDaySchedulers(queue, timing);
      const connection = createRedis(config.REDIS_URL, 'worker');
      const sweepOpts = { sink: jobs, chunkSize: w.fanOutChunk ?? config.SERVICE_DAY_FANOUT_CHUNK ?? 500, afterChunk: w.afterChunk };
      const worker = new Worker<ServiceDayJobData>(SERVICE_DAY_QUEUE, createServiceDayProcessor({ ...deps, now, sweep: sweepOpts }), {
        connection,
        prefix: config.QUEUE_PREFIX,
        concurrency: w.concurrency ?? 8,
        ...(w.lockDuration === undefined ? {} : { lockDuration: w.lockDuration }),
        ...(w.stalledInterval === undefined ? {} : { stalledInterval: w.stalledInterval }),
      });
      worker.on('error', (err) => log.error({ err }, 'service-day worker error'));
      worker.on('failed', (job, err) => {
        if (!job) return;
        const final = job.attemptsMade >= (job.opts.attempts ?? 1);
        // A per-compound job that gave up is queued again by the next sweep while it still makes sense.
        log.error({ job: job.name, jobId: job.id, attempt: job.attemptsMade, final, err: err.message }, 'service-day job failed');
      });
      const catchUp = async () => {
        for (const step of ALL_SWEEP_STEPS) await jobs.addSweep(step);
      };
      if (w.catchUp ?? true) await catchUp();
      return {
        worker,
        catchUp,
        async close(force = false) {
          await worker.close(force);
          connection.disconnect();
        },
      };
    },
    async close() {
      await queue.close();
    },
  };
}
