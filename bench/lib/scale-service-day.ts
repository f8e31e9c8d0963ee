import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/log';
import { scheduleOf, type ServiceDayTiming } from '../../src/domain/service-day-due';
import { serviceDayIds } from '../../src/domain/service-day-ids';
import { planServiceDay, type MonthKey } from '../../src/domain/service-day-plan';
import { createWorkCalendar } from '../../src/domain/work-calendar';
import { createRedis } from '../../src/queues/redis';
import { createServiceDayProcessor } from '../../src/queues/service-day-processor';
import { SWEEP_JOB, SWEEP_JOB_OPTIONS, type ServiceDayJobData } from '../../src/queues/service-day-queue';
import { buildServiceDay, timingFrom, type ServiceDay } from '../../src/queues/service-day-runtime';
import type { Services } from '../../src/roles/services';
import { scaleCompound, scaleCompoundCode } from './scale-compounds';
import { usedMemory } from './scale-redis';
import { insertMany } from './scale-store';
import { CallTimes, timed, type CpuMeter, type CpuUse } from './scale-timing';

// Section 1: the service-day announcement fan-out (one sweep job -> one job per compound),
// run by the app's own processor and sink on real Redis and the store.

/**
 * The sweep job rides on a queue of its own, so that no worker takes the announcement jobs
 * it queues while they are being counted; the jobs themselves go to the real service-day
 * queue through the real sink (ServiceDayJobs.addCompoundJobs).
 */
export const TRIGGER_QUEUE = 'service-day-bench-sweep';

export interface FanOutRun {
  label: string;
  month: MonthKey;
  /** Runs in the ledger when the sweep started (sweep() asks it once per chunk). */
  ledgerRuns: number;
  /** What the sweep job returned: the ids it handed to addBulk (those not in the ledger). */
  handedToQueue: number;
  /** Jobs in the service-day queue after the run minus before: what really landed (at the cut-off, if cut). */
  added: number;
  /** The same once the sweep stopped (a cut sweep finishes its current chunk). */
  landed: number;
  jobsAfter: number;
  /** From adding the sweep job to a worker starting it. */
  pickupMs: number;
  /** From the sweep job's start to the resolution of its last addBulk (the last job in Redis). */
  fanOutMs: number;
  chunks: number;
  /** Set when the sweep was stopped at the cut-off: jobs in Redis then, and the whole sweep at that pace. */
  cut: { atMs: number; jobs: number; chunks: number; projectedMs: number } | null;
  /** Where the sweep spent its time, per store or queue call. */
  phases: Map<string, { calls: number; ms: number }>;
  memBefore: number;
  memAfter: number;
  cpu: CpuUse;
  /** Problems with the jobs found in Redis (wrong name, data or id); empty when all is well. */
  problems: string[];
}

/** The promise's value, or null when it has not settled within `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(0, ms));
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

interface Current {
  startedAt: number;
  lastChunkAt: number;
  chunks: number;
}

export class FanOutBench {
  private readonly times = new CallTimes();
  private readonly trigger: Queue<ServiceDayJobData>;
  private readonly connection: Redis;
  private readonly worker: Worker<ServiceDayJobData>;
  private readonly timing: ServiceDayTiming;
  private clock = new Date();
  private current: Current = { startedAt: 0, lastChunkAt: 0, chunks: 0 };
  private settle: { resolve: (r: number) => void; reject: (e: Error) => void } | null = null;
  private cutting = false;
  private closed = false;
  ledgerRuns = 0;

  private constructor(
    private readonly services: Services,
    readonly sd: ServiceDay,
    config: Config,
    log: Logger,
    private readonly cpu: CpuMeter,
    private readonly chunkSize: number,
  ) {
    this.timing = timingFrom(config);
    const s = sd.stores;
    // What buildServiceDay's startWorker hands the processor, with the sweep's store and queue calls timed.
    const processor = createServiceDayProcessor({
      ...s,
      compounds: timed(s.compounds, 'compounds', ['list'], this.times),
      plans: timed(s.plans, 'plans', ['movedDays', 'codesWithActivities'], this.times),
      runs: timed(s.runs, 'runs', ['existing', 'tasksSince'], this.times),
      outbound: services.outbound,
      calendar: createWorkCalendar(),
      timing: this.timing,
      log,
      now: () => this.clock,
      sweep: {
        sink: timed(sd.jobs, 'queue', ['addCompoundJobs'], this.times),
        chunkSize,
        afterChunk: async () => {
          this.current.lastChunkAt = Date.now();
          this.current.chunks++;
          if (this.cutting || this.closed) throw new Error('stopped by the bench');
        },
      },
    });
    this.connection = createRedis(config.REDIS_URL, 'worker');
    this.trigger = new Queue<ServiceDayJobData>(TRIGGER_QUEUE, { connection: services.redis, prefix: config.QUEUE_PREFIX });
    this.worker = new Worker<ServiceDayJobData>(
      TRIGGER_QUEUE,
      async (job: Job<ServiceDayJobData>) => {
        this.current.startedAt = job.processedOn ?? Date.now();
        return processor(job);
      },
      { connection: this.connection, prefix: config.QUEUE_PREFIX, concurrency: 1 },
    );
    this.worker.on('error', (err) => log.error({ err }, 'bench sweep worker error'));
    this.worker.on('completed', (_job, result) => this.settle?.resolve(Number(result)));
    this.worker.on('failed', (_job, err) => this.settle?.reject(err));
  }

  static async start(services: Services, config: Config, log: Logger, cpu: CpuMeter, chunkSize: number): Promise<FanOutBench> {
    const sd = await buildServiceDay(services, config, log);
    return new FanOutBench(services, sd, config, log, cpu, chunkSize);
  }

  private async jobCount(): Promise<number> {
    const counts = await this.sd.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'paused', 'failed', 'completed');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  /**
   * One 'day' sweep at 08:05 on the month's service day (the 7th): every active compound is due.
   * A sweep still running `cutoffMs` after its start is stopped at the end of its current chunk
   * and reported with what it had queued by then.
   */
  async run(label: string, month: MonthKey, count: number, cutoffMs: number): Promise<FanOutRun> {
    const serviceDay = planServiceDay(month, null);
    this.clock = new Date(scheduleOf(serviceDay, this.timing).morningAnnouncementAt.getTime() + 5 * 60_000);
    this.times.reset();
    this.current = { startedAt: 0, lastChunkAt: 0, chunks: 0 };
    const before = await this.jobCount();
    const memBefore = await usedMemory(this.services.redis);
    const cpuDone = this.cpu.start();
    const outcome = new Promise<{ queued: number } | { err: Error }>((resolve) => {
      this.settle = { resolve: (queued) => resolve({ queued }), reject: (err) => resolve({ err }) };
    });
    const addedAt = Date.now();
    // One attempt: a sweep the bench cuts short must not come back 10 s later.
    await this.trigger.add(SWEEP_JOB, { step: 'day' }, { ...SWEEP_JOB_OPTIONS, attempts: 1 });
    let first = await within(outcome, addedAt + cutoffMs - Date.now());
    let cut: FanOutRun['cut'] = null;
    if (first === null) {
      this.cutting = true;
      const atMs = Date.now() - (this.current.startedAt || addedAt);
      const jobs = (await this.jobCount()) - before;
      const phases = new Map(this.times.byName);
      const fixedMs = (phases.get('compounds.list')?.ms ?? 0) + (phases.get('plans.movedDays')?.ms ?? 0);
      const chunks = this.current.chunks;
      const perChunk = chunks > 0 ? (atMs - fixedMs) / chunks : Number.NaN;
      cut = { atMs, jobs, chunks, projectedMs: fixedMs + perChunk * Math.ceil(count / this.chunkSize) };
      first = await within(outcome, 120_000);
      this.cutting = false;
      if (first === null) throw new Error(`${label}: the sweep did not stop within 120 s of being cut`);
    } else if ('err' in first) {
      throw first.err;
    }
    this.settle = null;
    const cpu = cpuDone();
    const memAfter = await usedMemory(this.services.redis);
    const after = await this.jobCount();
    return {
      label,
      month,
      ledgerRuns: this.ledgerRuns,
      handedToQueue: 'queued' in first ? first.queued : Number.NaN,
      added: cut ? cut.jobs : after - before,
      landed: after - before,
      jobsAfter: after,
      pickupMs: this.current.startedAt - addedAt,
      fanOutMs: cut ? cut.atMs : this.current.lastChunkAt - this.current.startedAt,
      chunks: this.current.chunks,
      cut,
      phases: this.times.reset(),
      memBefore,
      memAfter,
      cpu,
      problems: cut ? [] : await this.check(month, count),
    };
  }

  /** The first, a middle and the last compound's jobs: deterministic id, name and data. */
  private async check(month: MonthKey, count: number): Promise<string[]> {
    const problems: string[] = [];
    const serviceDay = planServiceDay(month, null);
    for (const i of [...new Set([0, Math.floor(count / 2), count - 1])]) {
      const code = scaleCompoundCode(i);
      const id = serviceDayIds.announce(code, month, 'day');
      const job = await this.sd.queue.getJob(id);
      if (!job) problems.push(`no job ${id}`);
      else if (job.name !== 'announce' || JSON.stringify(job.data) !== JSON.stringify({ compoundCode: code, month, step: 'day', serviceDay })) {
        problems.push(`job ${id} is ${job.name} ${JSON.stringify(job.data)}`);
      }
    }
    return problems;
  }

  /**
   * The ledger as it stands after a month whose eve, day and summary jobs all ran: three runs
   * per compound, as ServiceDayRunRepo.record writes them. Returns how long the insert took.
   */
  async fillLedger(month: MonthKey, count: number): Promise<number> {
    const started = performance.now();
    const serviceDay = planServiceDay(month, null);
    const at = scheduleOf(serviceDay, this.timing);
    const docs: Record<string, unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const c = scaleCompound(i);
      const posted = c.groupKind === 'customer' ? 'task' : 'webhook';
      const base = { compoundCode: c.code, month, serviceDay, note: null };
      docs.push(
        { _id: serviceDayIds.announce(c.code, month, 'eve'), kind: 'announce', ...base, step: 'eve', outcome: posted, at: at.eveAnnouncementAt, owner: posted === 'task' ? c.groupOwner : null },
        { _id: serviceDayIds.announce(c.code, month, 'day'), kind: 'announce', ...base, step: 'day', outcome: posted, at: at.morningAnnouncementAt, owner: posted === 'task' ? c.groupOwner : null },
        { _id: serviceDayIds.summaryRequest(c.code, month), kind: 'summary-request', ...base, step: null, outcome: 'sent', at: at.summaryRequestAt, owner: null },
      );
    }
    await insertMany(this.services.conn, 'ServiceDayRun', docs);
    this.ledgerRuns += docs.length;
    const probe = [serviceDayIds.announce(scaleCompoundCode(0), month, 'eve'), serviceDayIds.summaryRequest(scaleCompoundCode(count - 1), month)];
    if ((await this.sd.stores.runs.existing(probe)).size !== probe.length) throw new Error('the ledger does not read back what was inserted');
    return performance.now() - started;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.close(true);
    this.connection.disconnect();
    await this.trigger.obliterate({ force: true }).catch(() => undefined);
    await this.trigger.close();
    await this.sd.queue.obliterate({ force: true }).catch(() => undefined);
    await this.sd.close();
  }
}
