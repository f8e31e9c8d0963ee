import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Ticket } from '../domain/ticket';
import type { TicketClock } from '../pipeline/ticket-clock';
import { isTimerKind, planTimers, type ClockPolicy, type Timer } from '../pipeline/clock/timer-plan';

export const TICKET_CLOCK_QUEUE = 'ticket-clock';

/** Ids only; the instant is in the job id too, and the processor re-reads the ticket. */
export interface TicketClockJobData {
  ticketId: string;
  at: number;
}

export const TICKET_CLOCK_JOB_OPTIONS = {
  // About 5.7 hours of retries (5 s doubling) before a timer is given up and logged as failed.
  attempts: 12,
  backoff: { type: 'exponential', delay: 5000 },
  // Kept so that re-adding a finished timer's id (a later sync of the same state) stays a no-op.
  removeOnComplete: { count: 50000, age: 45 * 24 * 3600 },
  removeOnFail: { count: 20000 },
} as const;

// Per ticket: the version last synced and the timers it asked for, so the next sync can remove the ones it no longer wants.
const STATE_TTL_MS = 120 * 24 * 3600_000;
const SWAP = `
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
local timers = redis.call('HGET', KEYS[1], 'timers') or '[]'
if v > tonumber(ARGV[1]) then return {v, timers} end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'timers', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {v, timers}
`;

interface StoredTimer {
  kind: string;
  at: number;
  id: string;
}

export interface QueueTicketClockOptions {
  queue: Queue<TicketClockJobData>;
  /** For the per-ticket record (the producer connection is fine). */
  redis: Redis;
  prefix: string;
  policy: ClockPolicy;
  now: () => Date;
}

/**
 * Timers as BullMQ delayed jobs with deterministic ids, so syncing the same state twice
 * adds nothing. Removing what an earlier state wanted is an optimisation (processors
 * re-check the ticket anyway); it is done so that a concurrent sync can never leave a
 * wanted timer removed: the version check keeps an older sync from replacing a newer
 * record, and a sync that removed something re-adds whatever the record wants by then.
 */
export class QueueTicketClock implements TicketClock {
  constructor(private readonly o: QueueTicketClockOptions) {}

  /** All that catch up, and future ones: a reminder whose time has passed is not sent late. */
  private wanted(ticket: Ticket): Timer[] {
    const now = this.o.now().getTime();
    return planTimers(ticket, this.o.policy).filter((t) => t.catchUp || t.at.getTime() > now);
  }

  async sync(ticket: Ticket): Promise<void> {
    const wanted = this.wanted(ticket).map((t) => ({ kind: t.kind, at: t.at.getTime(), id: t.id }));
    const [storedVersion, storedJson] = (await this.o.redis.eval(SWAP, 1, this.key(ticket.id), String(ticket.version), JSON.stringify(wanted), String(STATE_TTL_MS))) as [number, string];
    if (storedVersion > ticket.version) return;
    await this.add(ticket.id, wanted);
    const keep = new Set(wanted.map((t) => t.id));
    const gone = parse(storedJson).filter((t) => !keep.has(t.id));
    if (gone.length === 0) return;
    for (const t of gone) await this.o.queue.remove(t.id).catch(() => 0);
    const [version, latest] = await this.o.redis.hmget(this.key(ticket.id), 'v', 'timers');
    if (Number(version) !== ticket.version) await this.add(ticket.id, parse(latest ?? '[]'));
  }

  private async add(ticketId: string, timers: readonly StoredTimer[]): Promise<void> {
    if (timers.length === 0) return;
    const now = this.o.now().getTime();
    await this.o.queue.addBulk(
      timers.filter((t) => isTimerKind(t.kind)).map((t) => ({
        name: t.kind,
        data: { ticketId, at: t.at },
        opts: { ...TICKET_CLOCK_JOB_OPTIONS, jobId: t.id, delay: Math.max(0, t.at - now) },
      })),
    );
  }

  private key(ticketId: string): string {
    return `${this.o.prefix}:${TICKET_CLOCK_QUEUE}-sync:${ticketId}`;
  }
}

function parse(json: string): StoredTimer[] {
  const v = JSON.parse(json) as unknown;
  return Array.isArray(v) ? (v as StoredTimer[]) : [];
}
