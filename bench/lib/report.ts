import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, type PhaseResult } from './load-generator';
import type { ServerKind } from './server-spec';

// The printed report of callback-load.ts: the table, where the CPU went, the checks, the targets.

const TARGET_SHARE = 0.8;
const TARGET_P99_MS = 50;

export interface Options {
  seconds: number;
  connections: number;
  rate: number;
  repeatShare: number;
  maxRequests: number;
  cpuProf: ServerKind | null;
  /** Servers to run, for profiling one of them; the comparison needs all three. */
  only: ServerKind[];
}

export interface Row {
  label: string;
  kind: ServerKind;
  closed: PhaseResult;
  open: PhaseResult;
  peakRssMb: number;
  /** CPU seconds per process during the closed loop. */
  cpu: { server: number; store: number; redis: number; generator: number };
  problems: string[];
  stored: string | null;
}

function fmt(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

export function errorsOf(r: Row): number {
  return r.closed.sent - r.closed.ok + (r.open.sent - r.open.ok) + r.problems.length;
}

export function printReport(rows: Row[], opts: Options, run: { id: string; loadBefore: number[] }): void {
  const head = ['', 'max req/s', 'p50 ms', 'p99 ms', 'p50@rate', 'p99@rate', 'errors', 'peak RSS MB', 'srv CPU %'];
  const lines = rows.map((r) => {
    const c = r.closed.latencies.slice().sort();
    const o = r.open.latencies.slice().sort();
    const rate = r.closed.ok / (r.closed.elapsedMs / 1000);
    return [
      r.label,
      fmt(rate, 0) + (r.closed.exhausted ? '*' : ''),
      fmt(percentile(c, 0.5), 1),
      fmt(percentile(c, 0.99), 1),
      fmt(percentile(o, 0.5), 1),
      fmt(percentile(o, 0.99), 1),
      String(errorsOf(r)),
      fmt(r.peakRssMb, 0),
      fmt((100 * r.cpu.server) / (r.closed.elapsedMs / 1000), 0),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[0] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const out: string[] = [];
  out.push('');
  out.push(
    `callback load: ${opts.seconds} s per phase, ${opts.connections} connections (closed loop), steady ${opts.rate} req/s (open loop), ` +
      `${Math.round(opts.repeatShare * 100)}% repeated msgids; node ${process.version}, loopback`,
  );
  out.push(`${cpus().length} cores; load average before the run ${run.loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  out.push(render(head));
  for (const l of lines) out.push(render(l));
  out.push('');
  out.push('CPU during the closed loop: % of one core, and ms of CPU per answered request');
  const cpuHead = ['', 'server', 'store', 'redis', 'generator'];
  const cpuLines = rows.map((r) => {
    const secs = r.closed.elapsedMs / 1000;
    const cell = (c: number) => (Number.isFinite(c) ? `${fmt((100 * c) / secs, 0)}% ${fmt((1000 * c) / Math.max(r.closed.ok, 1), 2)}` : '-');
    return [r.label, cell(r.cpu.server), cell(r.cpu.store), cell(r.cpu.redis), cell(r.cpu.generator)];
  });
  const cw = cpuHead.map((h, i) => Math.max(h.length, ...cpuLines.map((l) => (l[i] ?? '').length)));
  for (const l of [cpuHead, ...cpuLines]) out.push(l.map((c, i) => (i === 0 ? c.padEnd(cw[0] ?? 0) : c.padStart(cw[i] ?? 0))).join('  '));
  out.push('');

  for (const r of rows) {
    const openRate = r.open.ok / (r.open.elapsedMs / 1000);
    const keptUp = openRate >= 0.95 * opts.rate ? '' : ' (could not keep up: latency is queueing)';
    out.push(
      `${r.label}: ${r.closed.ok}/${r.closed.sent} + ${r.open.ok}/${r.open.sent} answered 200; steady phase ran at ${fmt(openRate, 0)} req/s${keptUp}, ` +
        `send lag p99 ${fmt(r.open.sendLagP99Ms, 1)} ms; generator CPU ${fmt(r.closed.generatorCpuPct, 0)}% (closed) / ${fmt(r.open.generatorCpuPct, 0)}% (steady)`,
    );
    if (r.stored) out.push(`  ${r.stored}`);
    const failures = new Map<string, number>();
    for (const m of [r.closed.failures, r.open.failures]) for (const [k, v] of m) failures.set(k, (failures.get(k) ?? 0) + v);
    const unanswered = r.closed.sent - r.closed.ok + (r.open.sent - r.open.ok) - [...failures.values()].reduce((a, b) => a + b, 0);
    if (unanswered > 0) failures.set('no answer before the phase ended', unanswered);
    for (const [k, v] of failures) out.push(`  non-200: ${v} × ${k}`);
    for (const e of r.problems.slice(0, 5)) out.push(`  problem: ${e}`);
    const checked = r.closed.samples.length + r.open.samples.length;
    out.push(`  ${checked} replies checked${r.kind === 'mulin' ? ' (decrypted, stream id matches the msgid)' : ' (empty body)'}`);
  }
  if (rows.some((r) => r.closed.exhausted)) out.push('* the request batch ran out before the time did: rate is completed / elapsed over a shorter run (raise --max-requests)');

  const b = rows.find((r) => r.kind === 'durable');
  const m = rows.find((r) => r.kind === 'mulin');
  if (b && m) {
    const share = m.closed.ok / (m.closed.elapsedMs / 1000) / (b.closed.ok / (b.closed.elapsedMs / 1000));
    const p99 = percentile(m.open.latencies.slice().sort(), 0.99);
    out.push('');
    out.push(`mulin / baseline B throughput = ${fmt(share * 100, 0)}%  (target >= ${TARGET_SHARE * 100}%: ${share >= TARGET_SHARE ? 'met' : 'NOT met'})`);
    out.push(`mulin p99 at a steady ${opts.rate} req/s = ${fmt(p99, 1)} ms  (target < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS && errorsOf(m) === 0 ? 'met' : 'NOT met'})`);
  }
  if (opts.cpuProf) out.push(`CPU profile of the ${opts.cpuProf} server: ${join(tmpdir(), `mulin-bench-prof-${run.id}`)}/`);
  console.log(out.join('\n'));
}
