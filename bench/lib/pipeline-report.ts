import { cpus, loadavg } from 'node:os';
import { percentile } from './load-generator';
import type { LlmCallStats } from './pipeline-fake-llm';
import type { JobTiming, RedisMemory, TicketFigures } from './pipeline-measure';
import type { MixMessage } from './pipeline-mix';
import type { SendOutcome } from './pipeline-sender';
import type { StoreCommandStat } from './pipeline-spec';

// The printed report of pipeline-load.ts: the targets table, then where the messages went
// and what it cost.

export const TARGETS = { messagesPerSecond: 100, llmCallsPer100: 40, repeatCalls: 0 };

export interface PassFigures {
  name: string;
  messages: readonly MixMessage[];
  sent: SendOutcome[];
  sendSeconds: number;
  drained: boolean;
  status: Map<string, number>;
  /** First callback sent → last message marked done. */
  e2eSeconds: number;
  done: number;
  /** Sorted, ms: callback sent → marked done. */
  latencyMs: Float64Array;
  llm: LlmCallStats;
  /** Messages after the first with a text the LLM was asked about: what repeat calls are counted against. */
  repeatsOfLlmTexts: number;
  handledBy: Map<string, number>;
  /** What the messages taken as answers to the bot's question were, by mix kind. */
  clarifiedKinds: Map<string, number>;
  /** By the step that labelled the message (filled from the worker logs once the workers have stopped). */
  settled: Map<string, number>;
  /** inbound id → settled key, for the job timings. */
  settledById: Map<string, string>;
  jobs: JobTiming[];
  cpu: { web: number; workers: number[]; store: number; redis: number; parent: number };
  peakRss: { web: number; workers: number[] };
  tickets: TicketFigures;
  wecomCalls: Map<string, number>;
  storeStats: StoreCommandStat[];
  parentLagP99Ms: number;
}

export interface RunInfo {
  id: string;
  messages: number;
  replay: number;
  compounds: number;
  llmDelayMs: number;
  workers: number;
  concurrency: number;
  connections: number;
  rate: number;
  loadBefore: number[];
  compoundLoadMs: number;
  redisBefore: RedisMemory;
  redisAfter: RedisMemory;
  deliveries: Map<string, number>;
  unknownLlmTexts: number;
  logErrors: Map<string, number>;
  profileDir: string | null;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const mb = (bytes: number) => fmt(bytes / 1024 / 1024, 1);
const share = (k: number, n: number) => `${fmt((100 * k) / Math.max(n, 1), 1)}%`;

function table(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[0] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd());
}

export function throughput(p: PassFigures): number {
  return p.done / Math.max(p.e2eSeconds, 0.001);
}

export function llmPer100(p: PassFigures): number {
  return (100 * p.llm.calls) / Math.max(p.messages.length, 1);
}

/** Targets as the issue states them: throughput and call rate on the mixed pass, zero calls for repeats in both passes. */
export function targetsMet(p1: PassFigures, p2: PassFigures | null): { throughput: boolean; calls: boolean; repeats: boolean; replay: boolean } {
  return {
    throughput: throughput(p1) >= TARGETS.messagesPerSecond,
    calls: llmPer100(p1) <= TARGETS.llmCallsPer100,
    repeats: p1.llm.repeatCalls <= TARGETS.repeatCalls,
    replay: p2 === null || p2.llm.calls <= TARGETS.repeatCalls,
  };
}

function jobLines(p: PassFigures, slots: number): string[] {
  if (p.jobs.length === 0) return [`  ${p.name}: no finished intake jobs left in the queue to time`];
  const slot = (j: JobTiming) => j.finishedAt - j.startedAt;
  const group = (pred: (j: JobTiming) => boolean) => Float64Array.from(p.jobs.filter(pred).map(slot)).sort();
  const mean = (a: Float64Array) => a.reduce((s, x) => s + x, 0) / Math.max(a.length, 1);
  const all = group(() => true);
  const llm = group((j) => p.settledById.get(j.inboundId) === 'llm');
  const other = group((j) => p.settledById.get(j.inboundId) !== 'llm');
  const first = Math.min(...p.jobs.map((j) => j.startedAt));
  const last = Math.max(...p.jobs.map((j) => j.finishedAt));
  const busy = all.reduce((s, x) => s + x, 0);
  const waits = Float64Array.from(p.jobs.map((j) => j.startedAt - j.addedAt)).sort();
  const cell = (a: Float64Array) => `${a.length} jobs, mean ${fmt(mean(a))} ms, p50 ${fmt(percentile(a, 0.5))}, p99 ${fmt(percentile(a, 0.99))}`;
  return [
    `  ${p.name}: a worker slot is held per message for ${cell(all)}`,
    `    labelled by the LLM (call or cache): ${cell(llm)}`,
    `    everything else: ${cell(other)}`,
    `    slots busy ${fmt((100 * busy) / (slots * Math.max(last - first, 1)))}% of ${slots} × ${fmt((last - first) / 1000, 1)} s; ` +
      `${slots} slots / mean slot time = ${fmt((slots * 1000) / Math.max(mean(all), 0.001))} msg/s ceiling; queue wait mean ${fmt(mean(waits))} ms, p99 ${fmt(percentile(waits, 0.99))} ms`,
  ];
}

function storeLines(p: PassFigures): string[] {
  if (p.storeStats.length === 0) return [];
  const n = Math.max(p.done, 1);
  const total = p.storeStats.reduce((s, x) => s + x.totalMs, 0);
  const rows = [['  command collection', 'calls/msg', 'ms/msg', 'mean ms', 'share']];
  for (const s of [...p.storeStats].sort((a, b) => b.totalMs - a.totalMs).slice(0, 14)) {
    rows.push([`  ${s.command}`, fmt(s.count / n, 2), fmt(s.totalMs / n, 1), fmt(s.totalMs / s.count, 1), share(s.totalMs, total)]);
  }
  const calls = p.storeStats.reduce((s, x) => s + x.count, 0);
  return [`store commands from the worker(s), ${p.name}: ${fmt(calls / n, 1)} per message, ${fmt(total / n, 0)} ms of round trips per message`, ...table(rows)];
}

export function printReport(run: RunInfo, passes: PassFigures[]): void {
  const [p1, p2 = null] = passes;
  if (!p1) return;
  const met = targetsMet(p1, p2);
  const yes = (b: boolean) => (b ? 'met' : 'NOT met');
  const ack = (p: PassFigures) => {
    const a = Float64Array.from(p.sent.map((x) => x.ms)).sort();
    return `${fmt(percentile(a, 0.5))} / ${fmt(percentile(a, 0.99))}`;
  };
  const lat = (p: PassFigures) => `${fmt(percentile(p.latencyMs, 0.5))} / ${fmt(percentile(p.latencyMs, 0.99))}`;
  const out: string[] = [''];
  out.push(
    `pipeline load: ${run.messages} mixed messages, then ${run.replay} replayed, over ${run.compounds} compounds; LLM stand-in answers after ${run.llmDelayMs} ms; ` +
      `1 web + ${run.workers} worker process${run.workers > 1 ? 'es' : ''}, intake concurrency ${run.concurrency} each; ` +
      `sender ${run.connections} connections${run.rate > 0 ? ` at ${run.rate}/s` : ', as fast as answered'}; node ${process.version}, loopback`,
  );
  out.push(`${cpus().length} cores; load average before ${run.loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}; run ${run.id}`);
  out.push('');
  const rows = [['', 'target', 'pass 1 (mix)', p2 ? 'pass 2 (replay)' : '', '']];
  rows.push(['messages/s end to end', `>= ${TARGETS.messagesPerSecond}`, fmt(throughput(p1), 1), p2 ? fmt(throughput(p2), 1) : '', yes(met.throughput)]);
  rows.push(['  first callback → last done (s)', '', fmt(p1.e2eSeconds, 1), p2 ? fmt(p2.e2eSeconds, 1) : '', '']);
  rows.push(['  callbacks sent in (s)', '', fmt(p1.sendSeconds, 1), p2 ? fmt(p2.sendSeconds, 1) : '', '']);
  rows.push(['  callback answered p50 / p99 (ms)', '', ack(p1), p2 ? ack(p2) : '', '']);
  rows.push(['latency sent → done p50 / p99 (ms)', '', lat(p1), p2 ? lat(p2) : '', '']);
  rows.push(['LLM calls per 100 messages', `<= ${TARGETS.llmCallsPer100}`, fmt(llmPer100(p1), 1), p2 ? fmt(llmPer100(p2), 1) : '', yes(met.calls)]);
  rows.push(['LLM calls on repeated texts', '0', `${p1.llm.repeatCalls} / ${p1.repeatsOfLlmTexts}`, p2 ? `${p2.llm.calls} / ${p2.repeatsOfLlmTexts}` : '', yes(met.repeats && met.replay)]);
  rows.push(['  same text and context (cache key)', '', String(p1.llm.repeatSameKey), p2 ? String(p2.llm.repeatSameKey) : '', '']);
  rows.push(["  same text, other sender's context", '', String(p1.llm.repeatOtherContext), p2 ? String(p2.llm.repeatOtherContext) : '', '']);
  rows.push(['  calls carrying earlier messages', '', String(p1.llm.withContext), p2 ? String(p2.llm.withContext) : '', '']);
  rows.push(['messages done / sent', '', `${p1.done} / ${p1.messages.length}`, p2 ? `${p2.done} / ${p2.messages.length}` : '', '']);
  rows.push(['peak RSS web / worker (MB)', '', `${fmt(p1.peakRss.web)} / ${p1.peakRss.workers.map((w) => fmt(w)).join('+')}`, p2 ? `${fmt(p2.peakRss.web)} / ${p2.peakRss.workers.map((w) => fmt(w)).join('+')}` : '', '']);
  out.push(...table(rows));
  const used = run.redisAfter.usedBytes - run.redisBefore.usedBytes;
  const ownBytes = [...run.redisAfter.byPart.values()].reduce((s, x) => s + x.bytes, 0);
  const ownKeys = [...run.redisAfter.byPart.values()].reduce((s, x) => s + x.keys, 0);
  out.push(`Redis: the run's keys hold ${mb(ownBytes)} MB in ${ownKeys} keys at the end; server used_memory ${mb(run.redisBefore.usedBytes)} → ${mb(run.redisAfter.usedBytes)} MB (${used >= 0 ? '+' : ''}${mb(used)}, shared server)`);
  out.push(`  ${[...run.redisAfter.byPart].sort((a, b) => b[1].bytes - a[1].bytes).map(([k, v]) => `${k} ${mb(v.bytes)} MB/${v.keys}`).join(', ')}`);
  out.push('"LLM calls on repeated texts": calls / messages that repeat a text the LLM was asked about (pass 1: after its first; pass 2: every replayed one).');
  out.push('');

  for (const p of passes) {
    const n = p.messages.length;
    out.push(`${p.name}:`);
    const statuses = [...p.status].map(([k, v]) => `${v} × ${k}`).join(', ');
    out.push(`  callbacks: ${statuses}${p.drained ? '' : '; the intake queue had NOT drained by the deadline'}`);
    out.push(`  settled by: ${[...p.settled].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v} (${share(v, n)})`).join(', ')}; live LLM calls ${p.llm.calls}`);
    out.push(`  handled as: ${[...p.handledBy].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k.replace(/^triage\./, '')} ${v}`).join(', ')}`);
    if (p.clarifiedKinds.size > 0) {
      out.push(`  taken as the answer to an open question (not classified themselves): ${[...p.clarifiedKinds].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
    out.push(
      `  tickets opened ${p.tickets.tickets} (${[...p.tickets.bySource].map(([k, v]) => `${k} ${v}`).join(', ')}), reports attached to open tickets ${p.tickets.attachedReports}`,
    );
    out.push(`  fake WeCom calls: ${[...p.wecomCalls].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
    const c = p.cpu;
    const secs = Math.max(p.e2eSeconds, 0.001);
    const cell = (s: number) => `${fmt(s, 1)} s (${fmt((100 * s) / secs)}%, ${fmt((1000 * s) / Math.max(p.done, 1), 2)} ms/msg)`;
    out.push(
      `  CPU while the pass ran: web ${cell(c.web)}, worker ${c.workers.map(cell).join(' + ')}, store ${cell(c.store)}, redis ${cell(c.redis)}, ` +
        `bench (sender + fakes) ${cell(c.parent)}; bench event-loop delay p99 ${fmt(p.parentLagP99Ms, 1)} ms`,
    );
  }
  out.push('');
  out.push('intake jobs (BullMQ processedOn → finishedOn):');
  for (const p of passes) out.push(...jobLines(p, run.workers * run.concurrency));
  for (const p of passes) out.push(...storeLines(p));
  out.push('');
  out.push(`deliveries in the store: ${[...run.deliveries].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  out.push(`compounds loaded with CompoundRepo.upsert in ${fmt(run.compoundLoadMs / 1000, 1)} s; fake LLM requests with a text it did not know: ${run.unknownLlmTexts}`);
  for (const [k, v] of run.logErrors) out.push(`worker error log: ${v} × ${k}`);
  if (run.profileDir) out.push(`CPU profiles of the worker(s): ${run.profileDir}/ (npx tsx bench/lib/cpu-profile-summary.ts <file>)`);
  console.log(out.join('\n'));
}
