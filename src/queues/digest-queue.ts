import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import { previousMonth, previousWeek } from '../domain/digest-periods';
import { sendMonthlyBranch, sendMonthlyStreet, sendWeeklyBranch, streetKey, type DigestDeps } from '../pipeline/digest/send-digests';
import { jobId } from './names';

export const DIGEST_QUEUE = 'digests';
const TZ = 'Asia/Shanghai';
const BULK = 500;

export type DigestJobData = { code?: string; street?: string; period?: string };

const JOB_OPTIONS = { attempts: 8, backoff: { type: 'exponential', delay: 10_000 }, removeOnComplete: { count: 50_000 }, removeOnFail: { count: 10_000 } } as const;

export interface DigestSchedule {
  weeklyPattern: string;
  monthlyPattern: string;
}

/** Monday 09:00 weekly, the 1st at 09:30 monthly; stable scheduler ids, so a redeploy never doubles them. */
export const DEFAULT_DIGEST_SCHEDULE: DigestSchedule = { weeklyPattern: '0 9 * * 1', monthlyPattern: '30 9 1 * *' };

export async function upsertDigestSchedules(queue: Queue<DigestJobData>, schedule: DigestSchedule = DEFAULT_DIGEST_SCHEDULE): Promise<void> {
  await queue.upsertJobScheduler('digest-weekly', { pattern: schedule.weeklyPattern, tz: TZ }, { name: 'weekly-fanout', data: {}, opts: JOB_OPTIONS });
  await queue.upsertJobScheduler('digest-monthly', { pattern: schedule.monthlyPattern, tz: TZ }, { name: 'monthly-fanout', data: {}, opts: JOB_OPTIONS });
}

/**
 * One fan-out job expands into a job per compound (and per street), each with an id
 * made of the compound and the period: running the fan-out twice, or after a crash
 * half-way, adds nothing twice and leaves nobody out.
 */
export async function fanOut(queue: Queue<DigestJobData>, deps: Pick<DigestDeps, 'compounds' | 'now'>, kind: 'weekly' | 'monthly'): Promise<number> {
  const now = deps.now();
  const compounds = await deps.compounds.list({ active: true });
  const period = kind === 'weekly' ? previousWeek(now).key : previousMonth(now).key;
  const jobs: Array<{ name: string; data: DigestJobData; opts: typeof JOB_OPTIONS & { jobId: string } }> = compounds.map((c) => ({
    name: kind === 'weekly' ? 'weekly-branch' : 'monthly-branch',
    data: { code: c.code, period },
    opts: { ...JOB_OPTIONS, jobId: jobId(kind === 'weekly' ? 'digest-w' : 'digest-m', `${c.code}-${period}`) },
  }));
  if (kind === 'monthly') {
    for (const street of new Set(compounds.map((c) => c.street))) {
      jobs.push({ name: 'monthly-street', data: { street, period }, opts: { ...JOB_OPTIONS, jobId: jobId('digest-s', `${streetKey(street)}-${period}`) } });
    }
  }
  for (let i = 0; i < jobs.length; i += BULK) await queue.addBulk(jobs.slice(i, i + BULK));
  return jobs.length;
}

export function createDigestWorker(opts: { connection: Redis; prefix: string; queue: Queue<DigestJobData>; deps: DigestDeps; log: Logger }): Worker<DigestJobData> {
  const { deps } = opts;
  const worker = new Worker<DigestJobData>(
    DIGEST_QUEUE,
    async (job: Job<DigestJobData>) => {
      const key = job.id ?? `${job.name}-${job.data.code ?? job.data.street}-${job.data.period}`;
      switch (job.name) {
        case 'weekly-fanout':
          return fanOut(opts.queue, deps, 'weekly');
        case 'monthly-fanout':
          return fanOut(opts.queue, deps, 'monthly');
        case 'weekly-branch':
          return sendWeeklyBranch(deps, job.data.code ?? '', job.data.period ?? '', key);
        case 'monthly-branch':
          return sendMonthlyBranch(deps, job.data.code ?? '', job.data.period ?? '', key);
        case 'monthly-street':
          return sendMonthlyStreet(deps, job.data.street ?? '', job.data.period ?? '', key);
        default:
          throw new UnrecoverableError(`unknown digest job ${job.name}`);
      }
    },
    { connection: opts.connection, prefix: opts.prefix, concurrency: 4 },
  );
  worker.on('error', (err) => opts.log.error({ err }, 'digest worker error'));
  worker.on('failed', (job, err) => opts.log.error({ job: job?.name, jobId: job?.id, err: err.message }, 'digest job failed'));
  return worker;
}
