import { Queue } from 'bullmq';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/log';
import type { Category, Urgency } from '../../src/domain/labels';
import { dueAt } from '../../src/domain/sla';
import { openTicket, type HandlerTier, type Ticket } from '../../src/domain/ticket';
import { planTimers, type ClockPolicy, type Timer } from '../../src/pipeline/clock/timer-plan';
import { createRedis } from '../../src/queues/redis';
import { TICKET_CLOCK_JOB_OPTIONS, TICKET_CLOCK_QUEUE, type TicketClockJobData } from '../../src/queues/ticket-clock-queue';
import type { Services } from '../../src/roles/services';
import { buildTicketClock } from '../../src/roles/ticket-clock';
import { deleteKeys, keysMemory, memoryOf, settledMemory, usedMemory } from './scale-redis';
import type { CpuMeter, CpuUse } from './scale-timing';

// Section 3: M pending ticket timers (reminders, due escalations) as the ticket clock keeps
// them, BullMQ delayed jobs, and what they cost Redis.

export interface ReminderSpec {
  reminders: number;
  /** Jobs per addBulk, and addBulk calls in flight. */
  chunk: number;
  lanes: number;
  /** Tickets synced one by one through the real QueueTicketClock first. */
  syncedTickets: number;
}

export interface ReminderResult {
  /** Through QueueTicketClock.sync: per ticket. */
  synced: {
    tickets: number;
    jobs: number;
    ms: number;
    recordBytes: number;
    jobBytes: number;
    memDelta: number;
    /** Syncing the same tickets as closed: time, what their record weighs then, timers left. */
    closeMs: number;
    closedRecordBytes: number;
    jobsAfterClose: number;
  };
  /** The bulk job is field for field the job QueueTicketClock.sync added for the same timer (delay aside). */
  shapeProblems: string[];
  sampleJob: Record<string, string>;
  tickets: number;
  jobs: number;
  enqueueMs: number;
  memBefore: number;
  memAfter: number;
  dbsizeDelta: number;
  counts: Record<string, number>;
  /** MEMORY USAGE: average job hash (sampled), the delayed sorted set, the event stream. */
  jobHashBytes: number;
  encodings: Map<string, number>;
  delayedZsetBytes: number;
  eventsBytes: number;
  obliterateMs: number;
  memAfterObliterate: number;
  cpu: CpuUse;
}

const MIX: ReadonlyArray<{ category: Category; urgency: Urgency; tier: HandlerTier }> = [
  { category: 'facility_repair', urgency: 'normal', tier: 'property' },
  { category: 'garbage', urgency: 'normal', tier: 'branch' },
  { category: 'illegal_parking', urgency: 'normal', tier: 'enforcement' },
  { category: 'noise', urgency: 'high', tier: 'enforcement' },
  { category: 'service_request', urgency: 'normal', tier: 'branch' },
  { category: 'policy_inquiry', urgency: 'low', tier: 'street' },
];
const TEMPLATES = 1000;

function templateTicket(i: number, now: number, policy: ClockPolicy): Ticket {
  const labels = MIX[i % MIX.length] ?? { category: 'garbage', urgency: 'normal', tier: 'branch' };
  // Opened during the last three hours: every timer a ticket asks for is still ahead.
  const created = new Date(now - (i * 10_800_000) / TEMPLATES);
  const compoundCode = `SC${String((i % 13_000) + 1).padStart(6, '0')}`;
  return openTicket(
    {
      compoundCode,
      street: '第01街道',
      ...labels,
      building: '3栋',
      summary: '规模测试',
      description: '规模测试工单',
      assignees: ['scale.assignee'],
      watchers: [],
      unitName: '规模测试单位',
      reporter: { userId: 'scale.resident', messageId: `scale-msg-${i}`, at: created },
      sourceInboundId: `scale-in-${i}`,
      dueAt: dueAt(created, labels, policy.sla, policy.calendar),
      gaps: [],
      classifier: { source: 'llm', model: 'bench', promptVersion: null, fallbackReason: null, tokens: null },
    },
    { id: ticketId(-1 - i), number: i + 1 },
    created,
  );
}

/** 24 hex characters, like the ObjectId hex TicketRepo gives tickets; templates get their own range. */
function ticketId(i: number): string {
  return (i < 0 ? `ffff${(-i).toString(16).padStart(20, '0')}` : `5c${i.toString(16).padStart(22, '0')}`).slice(0, 24);
}

type Bulk = { name: string; data: TicketClockJobData; opts: typeof TICKET_CLOCK_JOB_OPTIONS & { jobId: string; delay: number } };

/**
 * Tickets 0, 1, 2, … each shaped like template i % 1000 under its own id. A timer id is the
 * ticket id and the instant, so swapping the id in gives exactly what planTimers gives.
 */
class TimerSource {
  private readonly templates: Array<{ ticket: Ticket; timers: Timer[] }>;
  private ticket = 0;
  private pending: Bulk[] = [];
  produced = 0;

  constructor(
    policy: ClockPolicy,
    private readonly now: number,
    private readonly limit: number,
  ) {
    this.templates = Array.from({ length: TEMPLATES }, (_, i) => {
      const ticket = templateTicket(i, now, policy);
      // QueueTicketClock.wanted: what catches up, and what is still ahead.
      return { ticket, timers: planTimers(ticket, policy).filter((t) => t.catchUp || t.at.getTime() > now) };
    });
  }

  /** Ticket n, for QueueTicketClock.sync. */
  ticketAt(n: number): Ticket {
    const tpl = this.templates[n % TEMPLATES] as { ticket: Ticket };
    return { ...tpl.ticket, id: ticketId(n) };
  }

  get tickets(): number {
    return this.ticket;
  }

  /** The next jobs, as QueueTicketClock.add builds them; none once `limit` jobs were handed out. */
  take(n: number): Bulk[] {
    while (this.pending.length < n && this.produced + this.pending.length < this.limit) {
      const tpl = this.templates[this.ticket % TEMPLATES] as { ticket: Ticket; timers: Timer[] };
      const id = ticketId(this.ticket++);
      const now = Date.now();
      for (const t of tpl.timers) {
        const at = t.at.getTime();
        this.pending.push({ name: t.kind, data: { ticketId: id, at }, opts: { ...TICKET_CLOCK_JOB_OPTIONS, jobId: t.id.replace(tpl.ticket.id, id), delay: Math.max(0, at - now) } });
      }
    }
    const out = this.pending.splice(0, Math.min(n, this.limit - this.produced));
    this.produced += out.length;
    return out;
  }

  get perTicket(): number {
    return this.templates.reduce((a, t) => a + t.timers.length, 0) / TEMPLATES;
  }
}

function sameShape(synced: Record<string, string>, bulk: Record<string, string>): string[] {
  const problems: string[] = [];
  const fields = (h: Record<string, string>) => Object.keys(h).sort().join(',');
  if (fields(synced) !== fields(bulk)) problems.push(`fields ${fields(bulk)} vs ${fields(synced)}`);
  for (const f of ['name', 'data', 'priority']) if (synced[f] !== bulk[f]) problems.push(`${f} ${bulk[f]} vs ${synced[f]}`);
  const opts = (h: Record<string, string>) => {
    const o = JSON.parse(h.opts ?? '{}') as Record<string, unknown>;
    delete o.delay;
    return JSON.stringify(o);
  };
  if (opts(synced) !== opts(bulk)) problems.push(`opts ${opts(bulk)} vs ${opts(synced)}`);
  return problems;
}

export async function runReminders(
  deps: { services: Services; config: Config; log: Logger; cpu: CpuMeter },
  spec: ReminderSpec,
  stop: AbortSignal,
): Promise<ReminderResult> {
  const { services, config } = deps;
  const prefix = config.QUEUE_PREFIX;
  const kit = await buildTicketClock(services, config, deps.log, () => new Date());
  const redis = services.redis;
  const source = new TimerSource(kit.policy, Date.now(), spec.reminders);
  const jobKey = (id: string) => `${prefix}:${TICKET_CLOCK_QUEUE}:${id}`;

  // The real producer, one ticket at a time: its job shape, and its per-ticket sync record.
  const memSync = await settledMemory(redis);
  const syncStarted = performance.now();
  const firstJobId = source.take(1)[0]?.opts.jobId ?? '';
  for (let n = 0; n < spec.syncedTickets && !stop.aborted; n++) await kit.clock.sync(source.ticketAt(n));
  const syncMs = performance.now() - syncStarted;
  const syncedJobs = await kit.queue.getJobCountByTypes('delayed', 'waiting');
  const memSynced = await usedMemory(redis);
  const records = await keysMemory(redis, `${prefix}:${TICKET_CLOCK_QUEUE}-sync:*`);
  const syncedHash = await redis.hgetall(jobKey(firstJobId));
  const syncedSample = await memoryOf(redis, [jobKey(firstJobId)]);
  // The same tickets closed: the sync removes their timers, and the record stays 120 days.
  const closeStarted = performance.now();
  for (let n = 0; n < spec.syncedTickets && !stop.aborted; n++) await kit.clock.sync({ ...source.ticketAt(n), status: 'closed', version: 2, closedAt: new Date() });
  const closeMs = performance.now() - closeStarted;
  const closedRecords = await keysMemory(redis, `${prefix}:${TICKET_CLOCK_QUEUE}-sync:*`);
  const jobsAfterClose = await kit.queue.getJobCountByTypes('delayed', 'waiting');
  await kit.queue.obliterate({ force: true });
  await deleteKeys(redis, `${prefix}:${TICKET_CLOCK_QUEUE}-sync:*`);

  // The bulk load: the same jobs, addBulk in chunks, a few calls in flight, on a connection of its own.
  const bulkRedis = createRedis(config.REDIS_URL, 'worker');
  const queue = new Queue<TicketClockJobData>(TICKET_CLOCK_QUEUE, { connection: bulkRedis, prefix });
  try {
    const fresh = new TimerSource(kit.policy, Date.now(), spec.reminders);
    const sampleEvery = Math.max(1, Math.floor(spec.reminders / 1000));
    const sampled: string[] = [];
    const memBefore = await settledMemory(redis);
    const dbBefore = await redis.dbsize();
    const cpuDone = deps.cpu.start();
    const started = performance.now();
    const lane = async () => {
      for (;;) {
        if (stop.aborted) return;
        const batch = fresh.take(spec.chunk);
        if (batch.length === 0) return;
        for (let i = 0; i < batch.length; i++) if ((fresh.produced - batch.length + i) % sampleEvery === 0) sampled.push(jobKey(batch[i]?.opts.jobId ?? ''));
        await queue.addBulk(batch);
      }
    };
    await Promise.all(Array.from({ length: spec.lanes }, lane));
    const enqueueMs = performance.now() - started;
    const cpu = cpuDone();
    const memAfter = await usedMemory(redis);
    const dbsizeDelta = (await redis.dbsize()) - dbBefore;
    const counts = await queue.getJobCounts('delayed', 'waiting', 'active', 'completed', 'failed');
    const bulkHash = await redis.hgetall(jobKey(firstJobId));
    const sample = await memoryOf(redis, sampled);
    const fixed = await memoryOf(redis, [`${prefix}:${TICKET_CLOCK_QUEUE}:delayed`]);
    const events = await memoryOf(redis, [`${prefix}:${TICKET_CLOCK_QUEUE}:events`]);

    const oblStarted = performance.now();
    await queue.obliterate({ force: true });
    const obliterateMs = performance.now() - oblStarted;
    const memAfterObliterate = await settledMemory(redis);
    return {
      synced: {
        tickets: spec.syncedTickets,
        jobs: syncedJobs,
        ms: syncMs,
        recordBytes: records.keys > 0 ? records.bytes / records.keys : Number.NaN,
        jobBytes: syncedSample.bytes,
        memDelta: memSynced - memSync,
        closeMs,
        closedRecordBytes: closedRecords.keys > 0 ? closedRecords.bytes / closedRecords.keys : Number.NaN,
        jobsAfterClose,
      },
      shapeProblems: sameShape(syncedHash, bulkHash),
      sampleJob: bulkHash,
      tickets: fresh.tickets,
      jobs: fresh.produced,
      enqueueMs,
      memBefore,
      memAfter,
      dbsizeDelta,
      counts,
      jobHashBytes: sample.keys > 0 ? sample.bytes / sample.keys : Number.NaN,
      encodings: sample.encodings,
      delayedZsetBytes: fixed.bytes,
      eventsBytes: events.bytes,
      obliterateMs,
      memAfterObliterate,
      cpu,
    };
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await kit.queue.close();
    bulkRedis.disconnect();
  }
}

