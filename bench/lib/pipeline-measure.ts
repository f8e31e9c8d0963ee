import { readFileSync } from 'node:fs';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Connection } from '../../src/store/connection';

// What the bench reads after a pass, from outside the roles: the store (statuses and times),
// the workers' log files (which step settled each message), the intake queue's finished jobs
// (how long each held a worker slot) and Redis (what the run keeps in memory).

export interface InboundOutcome {
  id: string;
  rawId: string;
  status: string;
  handledBy: string | null;
  receivedAt: Date;
  processedAt: Date | null;
}

export async function readInbound(conn: Connection): Promise<Map<string, InboundOutcome>> {
  const db = conn.db;
  if (!db) throw new Error('store not connected');
  const docs = await db
    .collection<{ _id: string } & Omit<InboundOutcome, 'id'>>('inbound_messages')
    .find({}, { projection: { rawId: 1, status: 1, handledBy: 1, receivedAt: 1, processedAt: 1 } })
    .toArray();
  return new Map(docs.map((d) => [d.rawId, { id: d._id, rawId: d.rawId, status: d.status, handledBy: d.handledBy ?? null, receivedAt: d.receivedAt, processedAt: d.processedAt ?? null }]));
}

export interface TicketFigures {
  tickets: number;
  /** Reports beyond the first, summed over tickets: "+1"s and duplicates attached. */
  attachedReports: number;
  bySource: Map<string, number>;
}

export async function readTickets(conn: Connection): Promise<TicketFigures> {
  const db = conn.db;
  if (!db) throw new Error('store not connected');
  const docs = await db
    .collection<{ reportCount: number; classifier?: { source?: string; fallbackReason?: string | null } }>('tickets')
    .find({}, { projection: { reportCount: 1, classifier: 1 } })
    .toArray();
  const bySource = new Map<string, number>();
  for (const d of docs) {
    const k = d.classifier?.fallbackReason ? `fallback:${d.classifier.fallbackReason}` : (d.classifier?.source ?? '?');
    bySource.set(k, (bySource.get(k) ?? 0) + 1);
  }
  return { tickets: docs.length, attachedReports: docs.reduce((n, d) => n + Math.max(0, d.reportCount - 1), 0), bySource };
}

export async function readDeliveries(conn: Connection): Promise<Map<string, number>> {
  const db = conn.db;
  if (!db) throw new Error('store not connected');
  const docs = await db
    .collection<{ status: string; destination?: { kind?: string } }>('deliveries')
    .find({}, { projection: { status: 1, 'destination.kind': 1 } })
    .toArray();
  const out = new Map<string, number>();
  for (const d of docs) {
    const k = `${d.destination?.kind ?? '?'} ${d.status}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

/** How the triage handler settled a message, from its "message classified" log line. */
export interface Classified {
  source: string;
  fallback: string | null;
  category: string;
}

export interface WorkerLogs {
  classified: Map<string, Classified>;
  /** Log lines at error level or above, by message. */
  errors: Map<string, number>;
}

export function readWorkerLogs(paths: readonly string[]): WorkerLogs {
  const classified = new Map<string, Classified>();
  const errors = new Map<string, number>();
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let rec: { level?: number; msg?: string; inboundId?: string; source?: string; fallback?: string | null; category?: string; err?: unknown };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        continue;
      }
      if (rec.msg === 'message classified' && rec.inboundId) {
        classified.set(rec.inboundId, { source: rec.source ?? '?', fallback: rec.fallback ?? null, category: rec.category ?? '?' });
      }
      if ((rec.level ?? 0) >= 50) {
        const key = `${rec.msg ?? '?'}${typeof rec.err === 'string' ? `: ${rec.err.slice(0, 240)}` : ''}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }
  }
  return { classified, errors };
}

/** One intake job: when it was added, started (a worker slot taken) and finished. */
export interface JobTiming {
  inboundId: string;
  addedAt: number;
  startedAt: number;
  finishedAt: number;
}

/** Completed jobs still kept by the queue (removeOnComplete keeps the last 5000). */
export async function readJobTimings(queue: Queue<{ inboundId: string }>, ids: ReadonlySet<string>): Promise<JobTiming[]> {
  const jobs = await queue.getJobs(['completed'], 0, -1);
  const out: JobTiming[] = [];
  for (const j of jobs) {
    if (!j || !ids.has(j.data.inboundId) || !j.processedOn || !j.finishedOn) continue;
    out.push({ inboundId: j.data.inboundId, addedAt: j.timestamp, startedAt: j.processedOn, finishedAt: j.finishedOn });
  }
  return out;
}

/** Waits until the intake queue has nothing waiting, active or delayed (retries), or the deadline passes. */
export async function waitDrained(queue: Queue, deadlineMs: number, onTick?: (left: number) => void): Promise<boolean> {
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children');
    const left = Object.values(c).reduce((a, b) => a + b, 0);
    onTick?.(left);
    if (left === 0) return true;
    if (Date.now() > deadlineMs) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface RedisMemory {
  usedBytes: number;
  /** MEMORY USAGE of the run's keys, by what they are. */
  byPart: Map<string, { keys: number; bytes: number }>;
}

/** used_memory for the whole server (shared with anything else using it), and the run's own keys. */
export async function readRedisMemory(redis: Redis, prefix: string): Promise<RedisMemory> {
  const info = await redis.info('memory');
  const usedBytes = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  const byPart = new Map<string, { keys: number; bytes: number }>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    const pipe = redis.pipeline();
    for (const k of keys) pipe.memory('USAGE', k);
    const sizes = (await pipe.exec()) ?? [];
    keys.forEach((k, i) => {
      const part = partOf(k.slice(prefix.length + 1));
      const s = byPart.get(part) ?? { keys: 0, bytes: 0 };
      s.keys++;
      s.bytes += Number(sizes[i]?.[1] ?? 0);
      byPart.set(part, s);
    });
  } while (cursor !== '0');
  return { usedBytes, byPart };
}

function partOf(rest: string): string {
  const [first, second] = rest.split(':');
  if (first === 'intake' || first === 'delivery' || first === 'timers') return `queue ${first}`;
  if (first === 'stream') return 'stream replies';
  if (first === 'llm-cache') return 'llm cache';
  if (first === 'llm-budget') return 'llm budget';
  if (first === 'wecom') return `wecom ${second ?? ''}`.trim();
  return first ?? rest;
}
