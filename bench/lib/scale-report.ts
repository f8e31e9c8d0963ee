import type { CompoundLoad } from './scale-compounds';
import type { DeliveryResult, DeliverySpec } from './scale-delivery';
import type { ReminderResult } from './scale-reminders';
import type { FanOutRun } from './scale-service-day';
import type { CpuUse } from './scale-timing';

// The printed report of scale-fanout.ts. Each section returns its lines and its verdicts:
// targets (reported) and checks (a wrong answer makes the exit code 1).

export interface Verdict {
  what: string;
  ok: boolean;
}

export interface Section {
  lines: string[];
  verdicts: Verdict[];
}

const TARGET_FANOUT_S = 60;

export const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const s = (ms: number, digits = 2) => `${(ms / 1000).toFixed(digits)} s`;
const n = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const cpu = (c: CpuUse) => `CPU: this process ${c.bench.toFixed(1)} s, redis ${c.redis.toFixed(1)} s, store ${c.store.toFixed(1)} s`;

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[0] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [render(head), ...rows.map(render)];
}

function verdictLine(v: Verdict, target: boolean): string {
  return `  ${target ? 'target' : 'check'}: ${v.what}: ${v.ok ? 'met' : 'NOT met'}`;
}

export function fanOutSection(compounds: number, load: CompoundLoad, runs: FanOutRun[], chunk: number): Section {
  const lines = [`1. Fan-out: one service-day 'day' sweep job -> one announcement job per compound (${n(compounds)} compounds, addBulk chunks of ${chunk})`];
  const how =
    load.bulk === 0
      ? `all through CompoundRepo.upsert (4 in flight, ${n(load.upserted / (load.upsertMs / 1000))}/s)`
      : `${n(load.upserted)} through CompoundRepo.upsert (4 in flight, ${n(load.upserted / (load.upsertMs / 1000))}/s: all ${n(compounds)} would take ${s(load.projectedUpsertMs, 0)}), ` +
        `the other ${n(load.bulk)} with insertMany in ${s(load.bulkMs, 1)}`;
  lines.push(`  loading the store: ${s(load.totalMs, 1)}; ${how}`);
  const rows = runs.map((r) => [
    r.label,
    n(r.ledgerRuns),
    n(r.handedToQueue),
    n(r.added),
    n(r.jobsAfter),
    `${n(r.pickupMs)} ms`,
    r.cut ? `cut at ${s(r.cut.atMs, 1)}` : s(r.fanOutMs),
    r.added > 0 ? n(r.added / (r.fanOutMs / 1000)) : '-',
    `${mb(r.memBefore)} -> ${mb(r.memAfter)}`,
    r.landed > 0 ? `${n((r.memAfter - r.memBefore) / r.landed)} B` : `${n(r.memAfter - r.memBefore)} B total`,
  ]);
  lines.push(...table(['run', 'ledger runs', 'handed to addBulk', 'jobs added', 'jobs in Redis', 'pickup', 'start->last job', 'jobs/s', 'used_memory', 'per job added'], rows));
  const chunks = Math.ceil(compounds / chunk);
  for (const r of runs.filter((x) => x.cut)) {
    const c = r.cut as NonNullable<FanOutRun['cut']>;
    lines.push(
      `  ${r.label}: stopped at the cut-off ${s(c.atMs, 1)} after its start, with ${n(c.jobs)} of ${n(compounds)} jobs in Redis (${c.chunks} of ${chunks} chunks); ` +
        `at that pace the whole sweep takes about ${s(c.projectedMs, 0)}`,
    );
  }
  lines.push('  where each sweep spent its time (calls × total):');
  for (const r of runs) {
    const phases = [...r.phases].map(([k, v]) => `${k} ${v.calls}× ${s(v.ms)}`).join(', ');
    lines.push(`    ${r.label}: ${phases}; ${cpu(r.cpu)}`);
  }
  const verdicts: Verdict[] = [];
  const first = runs[0];
  if (first) verdicts.push({ what: `first sweep queued one job per compound (${n(first.added)} of ${n(compounds)})`, ok: first.added === compounds });
  const again = runs[1];
  if (again) verdicts.push({ what: `the same sweep again added no job (${n(again.added)}; ids are deterministic)`, ok: again.added === 0 });
  const third = runs[2];
  if (third && !third.cut) verdicts.push({ what: `next month's sweep queued one job per compound (${n(third.added)} of ${n(compounds)})`, ok: third.added === compounds });
  const problems = runs.flatMap((r) => r.problems.map((p) => `${r.label}: ${p}`));
  verdicts.push({ what: `sampled jobs have the announcement's id, name and data${problems.length ? ` (${problems.slice(0, 3).join('; ')})` : ''}`, ok: problems.length === 0 });
  for (const v of verdicts) lines.push(verdictLine(v, false));
  const targets = runs
    .filter((r) => r.added > 0 || r.cut)
    .map((r) => ({
      what: `${r.label}: all announcement jobs in Redis within ${TARGET_FANOUT_S} s of the sweep's start (${r.cut ? `${n(r.cut.jobs)} of ${n(compounds)} after ${s(r.cut.atMs, 0)}; all in about ${s(r.cut.projectedMs, 0)}` : s(r.fanOutMs, 1)})`,
      ok: !r.cut && r.fanOutMs <= TARGET_FANOUT_S * 1000,
    }));
  for (const v of targets) lines.push(verdictLine(v, true));
  return { lines, verdicts: [...verdicts, ...targets] };
}

export function deliverySection(spec: DeliverySpec, r: DeliveryResult): Section {
  const lines = [
    `2. Delivery under WeCom's limits: real WeComOutbound -> DeliveryOutbox -> createDeliveryWorker (concurrency 8) against the fake WeCom API for ${spec.seconds} s`,
    `  enqueued ${n(r.enqueued)} messages in ${s(r.enqueueMs, 1)} (each stored, then queued); the worker ran ${s(r.ranMs, 1)}`,
  ];
  lines.push(
    ...table(
      ['destination', 'keys', 'enqueued', 'delivered', 'max sent in any window', 'limit', 'keys over', 'max calls in a window', '45009', 'duplicates'],
      r.rows.map((x) => [x.kind, n(x.keys), n(x.enqueued), n(x.delivered), n(x.maxInWindow), `${x.limit.limit}/${x.limit.windowMs / 1000} s`, n(x.keysOver), n(x.maxCallsInWindow), n(x.rejected45009), n(x.duplicates)]),
    ),
  );
  const st = r.status;
  const total = st.pending + st.sent + st.failed;
  const sentByFake = r.rows.reduce((a, x) => a + x.delivered, 0);
  lines.push(`  deliveries in the store: ${n(st.sent)} sent + ${n(st.pending)} pending + ${n(st.failed)} failed = ${n(total)} (enqueued ${n(r.enqueued)}); jobs left in the delivery queue: ${n(r.jobsLeft)}`);
  lines.push(`  waits for the rate limit (a job moved back to delayed): ${n(r.rateLimitWaits)}, ${(r.rateLimitWaits / Math.max(st.sent, 1)).toFixed(1)} per message sent; retries after an error: ${n(r.retries)}; ${cpu(r.cpu)}`);
  for (const x of r.rows.filter((y) => y.rejected45009 > 0)) {
    lines.push(`  ${x.kind}: each 45009 came ${x.rejectedMarginsMs.map((m) => `${n(m)} ms`).join(', ')} before the oldest send counted against it left WeCom's ${x.limit.windowMs / 1000} s window`);
  }
  lines.push(`  the worker's calls (count × average): ${[...r.phases].map(([k, v]) => `${k} ${n(v.calls)}× ${(v.ms / Math.max(v.calls, 1)).toFixed(1)} ms`).join(', ')}`);
  if (r.otherErrcodes.size > 0) lines.push(`  other errcodes: ${[...r.otherErrcodes].map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  for (const p of r.problems) lines.push(`  logged: ${p}`);
  const wh = r.rows[0];
  const verdicts: Verdict[] = [];
  const targets: Verdict[] = [];
  if (wh) {
    targets.push({ what: `at most ${wh.limit.limit} sends per push webhook in any ${wh.limit.windowMs / 1000} s (max ${wh.maxInWindow} over ${wh.keys} keys)`, ok: wh.keysOver === 0 });
    targets.push({ what: `no 45009 from WeCom (${r.rows.reduce((a, x) => a + x.rejected45009, 0)})`, ok: r.rows.every((x) => x.rejected45009 === 0) });
  }
  for (const x of r.rows.slice(1)) targets.push({ what: `at most ${x.limit.limit} ${x.kind} in any ${x.limit.windowMs / 1000} s (max ${x.maxInWindow})`, ok: x.keysOver === 0 });
  verdicts.push({ what: `nothing lost: delivered + pending = enqueued, none failed, every pending one still queued`, ok: total === r.enqueued && st.failed === 0 && r.jobsLeft === st.pending });
  verdicts.push({ what: `the fake accepted each sent message once (${n(sentByFake)} accepted, ${n(st.sent)} marked sent)`, ok: sentByFake === st.sent && r.rows.every((x) => x.duplicates === 0) });
  for (const v of verdicts) lines.push(verdictLine(v, false));
  for (const v of targets) lines.push(verdictLine(v, true));
  return { lines, verdicts: [...verdicts, ...targets] };
}

export function remindersSection(r: ReminderResult, spec: { chunk: number; lanes: number }): Section {
  const y = r.synced;
  const per = (r.memAfter - r.memBefore) / Math.max(r.jobs, 1);
  const lines = [
    `3. ${n(r.jobs)} pending reminders: ticket-clock delayed jobs shaped as QueueTicketClock adds them`,
    `  QueueTicketClock.sync, one ticket at a time: ${n(y.tickets)} tickets -> ${n(y.jobs)} jobs in ${s(y.ms, 1)} (${(y.ms / Math.max(y.tickets, 1)).toFixed(1)} ms per ticket); ` +
      `used_memory +${n(y.memDelta / Math.max(y.tickets, 1))} B per ticket, of which its sync record ${n(y.recordBytes)} B (MEMORY USAGE)`,
    `  the same tickets synced as closed: ${(y.closeMs / Math.max(y.tickets, 1)).toFixed(1)} ms per ticket, ${n(y.jobsAfterClose)} timers left, the sync record (kept 120 days) ${n(y.closedRecordBytes)} B`,
    `  bulk: ${n(r.jobs)} jobs for ${n(r.tickets)} tickets (${(r.jobs / Math.max(r.tickets, 1)).toFixed(2)} per ticket) with addBulk (${n(spec.chunk)} per call, ${spec.lanes} calls in flight) ` +
      `in ${s(r.enqueueMs, 1)} = ${n(r.jobs / (r.enqueueMs / 1000))} jobs/s; ${cpu(r.cpu)}`,
    `  queue counts: ${Object.entries(r.counts).map(([k, v]) => `${k} ${n(v)}`).join(', ')}; keys added ${n(r.dbsizeDelta)}`,
    `  used_memory ${mb(r.memBefore)} -> ${mb(r.memAfter)}: +${mb(r.memAfter - r.memBefore)} = ${n(per)} B per pending reminder`,
    `  MEMORY USAGE: job hash ${n(r.jobHashBytes)} B on average (${[...r.encodings].map(([k, v]) => `${k} ×${v}`).join(', ')}), ` +
      `delayed sorted set ${mb(r.delayedZsetBytes)} (${n(r.delayedZsetBytes / Math.max(r.jobs, 1))} B per job), event stream ${mb(r.eventsBytes)}`,
    `  obliterate: ${s(r.obliterateMs, 1)}; used_memory after ${mb(r.memAfterObliterate)} (${r.memAfterObliterate - r.memBefore >= 0 ? '+' : ''}${mb(r.memAfterObliterate - r.memBefore)} against before)`,
    `  a job as stored: ${JSON.stringify(r.sampleJob)}`,
  ];
  const verdicts: Verdict[] = [
    { what: `bulk jobs have QueueTicketClock.sync's fields, name, data and options${r.shapeProblems.length ? ` (${r.shapeProblems.join('; ')})` : ''}`, ok: r.shapeProblems.length === 0 },
    // A timer that fell due while the bench was loading waits instead (no worker runs here): still pending.
    { what: `all ${n(r.jobs)} jobs are pending in Redis (delayed or, if their time came during the load, waiting)`, ok: (r.counts.delayed ?? 0) + (r.counts.waiting ?? 0) === r.jobs },
  ];
  for (const v of verdicts) lines.push(verdictLine(v, false));
  return { lines, verdicts };
}
