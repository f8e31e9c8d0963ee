import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Queue } from 'bullmq';
import type { WeComSimulator } from '../../scripts/lib/wecom-simulator';
import { inboundIdFor } from '../../src/channels/wecom/ids';
import type { Connection } from '../../src/store/connection';
import type { FakeWeComApi } from '../../test/fakes/fake-wecom-api';
import type { PreparedCallback } from './callback-requests';
import { cpuSeconds, RssSampler } from './proc-stats';
import { benchChatId } from './pipeline-compounds';
import type { LlmLedger } from './pipeline-fake-llm';
import { readInbound, readJobTimings, readTickets, waitDrained, type Classified, type TicketFigures } from './pipeline-measure';
import { llmKey, type MixMessage } from './pipeline-mix';
import type { PassFigures } from './pipeline-report';
import { takeStoreStats, type RoleChild } from './pipeline-roles';
import { sendCallbacks } from './pipeline-sender';

// One pass of pipeline-load.ts: sign and send the callbacks, wait for the intake queue to
// drain, then read what happened from the store, the queue, the fakes and /proc.

function prepare(sim: WeComSimulator, wecom: FakeWeComApi, m: MixMessage): PreparedCallback {
  const req = sim.aibotText({ msgid: m.msgid, chatid: benchChatId(m.compound), userid: m.sender, text: m.text, responseUrl: wecom.responseUrl() });
  return { msgid: m.msgid, repeat: m.repeat !== null, path: sim.url(req), body: Buffer.from(req.body, 'utf8'), contentType: req.contentType };
}

export interface PassStage {
  send: { connections: number; rate: number };
  /** How long the pass may wait for the intake queue to drain. */
  maxSeconds: number;
  sim: WeComSimulator;
  wecom: FakeWeComApi;
  ledger: LlmLedger;
  conn: Connection;
  queue: Queue<{ inboundId: string }>;
  web: RoleChild;
  workers: RoleChild[];
  pids: { store: number | null; redis: number | null };
  ticketsBefore: TicketFigures;
}

function minus(a: TicketFigures, b: TicketFigures): TicketFigures {
  const bySource = new Map(a.bySource);
  for (const [k, v] of b.bySource) bySource.set(k, (bySource.get(k) ?? 0) - v);
  for (const [k, v] of bySource) if (v === 0) bySource.delete(k);
  return { tickets: a.tickets - b.tickets, attachedReports: a.attachedReports - b.attachedReports, bySource };
}

/** Messages after the first with a text the LLM was asked about in `asked`. */
function repeatsOf(messages: readonly MixMessage[], asked: ReadonlySet<string>, countFirst: boolean): number {
  const seen = new Set<string>();
  let n = 0;
  for (const m of messages) {
    const k = llmKey(m.text);
    if (asked.has(k) && (countFirst || seen.has(k))) n++;
    seen.add(k);
  }
  return n;
}

export async function runPass(name: string, messages: readonly MixMessage[], s: PassStage, asked: ReadonlySet<string> | null): Promise<PassFigures> {
  const reqs = messages.map((m) => prepare(s.sim, s.wecom, m));
  const pids = [s.web.pid, ...s.workers.map((w) => w.pid), s.pids.store ?? -1, s.pids.redis ?? -1];
  const cpuBefore = pids.map(cpuSeconds);
  const parentBefore = process.cpuUsage();
  const rss = [s.web, ...s.workers].map((r) => new RssSampler(r.pid));
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  await Promise.all(s.workers.map(takeStoreStats));
  const wecomFrom = s.wecom.calls.length;

  process.stderr.write(`${name}: sending ${reqs.length} callbacks… `);
  const sendStart = performance.now();
  const sent = await sendCallbacks(reqs, { port: s.web.port as number, ...s.send });
  const sendSeconds = (performance.now() - sendStart) / 1000;
  process.stderr.write(`sent in ${sendSeconds.toFixed(1)} s; waiting for the workers… `);
  const deadline = Date.now() + s.maxSeconds * 1000;
  let lastReport = 0;
  const drained = await waitDrained(s.queue, deadline, (left) => {
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      process.stderr.write(`${left} left… `);
    }
  });
  const cpuAfter = pids.map(cpuSeconds);
  const parentCpu = process.cpuUsage(parentBefore);
  const peaks = rss.map((r) => r.stop());
  lag.disable();
  process.stderr.write(drained ? 'drained\n' : 'NOT drained\n');

  const llm = s.ledger.take();
  const storeStats = (await Promise.all(s.workers.map(takeStoreStats))).flat();
  const merged = new Map<string, { command: string; count: number; totalMs: number }>();
  for (const st of storeStats) {
    const m = merged.get(st.command) ?? { command: st.command, count: 0, totalMs: 0 };
    m.count += st.count;
    m.totalMs += st.totalMs;
    merged.set(st.command, m);
  }

  const inbound = await readInbound(s.conn);
  const status = new Map<string, number>();
  const handledBy = new Map<string, number>();
  const clarifiedKinds = new Map<string, number>();
  const kindOf = new Map(messages.map((m) => [m.msgid, m.kind]));
  const latencies: number[] = [];
  let firstSent = Number.POSITIVE_INFINITY;
  let lastDone = 0;
  for (const o of sent) {
    const key = o.status === 200 ? '200' : (o.error ?? String(o.status));
    status.set(key, (status.get(key) ?? 0) + 1);
    firstSent = Math.min(firstSent, o.sentAt);
    const doc = inbound.get(o.msgid);
    if (!doc) continue;
    if (doc.status === 'done' && doc.processedAt) {
      latencies.push(doc.processedAt.getTime() - o.sentAt);
      lastDone = Math.max(lastDone, doc.processedAt.getTime());
    }
    const h = doc.status === 'done' ? (doc.handledBy ?? '?') : `status ${doc.status}`;
    handledBy.set(h, (handledBy.get(h) ?? 0) + 1);
    if (h === 'triage.clarified') {
      const k = kindOf.get(o.msgid) ?? '?';
      clarifiedKinds.set(k, (clarifiedKinds.get(k) ?? 0) + 1);
    }
  }
  const ids = new Set(messages.map((m) => inboundIdFor('wecom_aibot', m.msgid)));
  const tickets = await readTickets(s.conn);
  const wecomCalls = new Map<string, number>();
  for (const c of s.wecom.calls.slice(wecomFrom)) {
    const errcode = 'errcode' in c.response ? c.response.errcode : -1;
    const key = `${c.path.replace('/cgi-bin/', '')}${errcode === 0 ? '' : ` errcode ${errcode}`}`;
    wecomCalls.set(key, (wecomCalls.get(key) ?? 0) + 1);
  }
  const figures: PassFigures = {
    name,
    messages,
    sent,
    sendSeconds,
    drained,
    status,
    e2eSeconds: latencies.length > 0 ? (lastDone - firstSent) / 1000 : Number.NaN,
    done: latencies.length,
    latencyMs: Float64Array.from(latencies).sort(),
    llm,
    repeatsOfLlmTexts: repeatsOf(messages, asked ?? llm.texts, asked !== null),
    handledBy,
    clarifiedKinds,
    settled: new Map(),
    settledById: new Map(),
    jobs: await readJobTimings(s.queue, ids),
    cpu: {
      web: (cpuAfter[0] ?? 0) - (cpuBefore[0] ?? 0),
      workers: s.workers.map((_, i) => (cpuAfter[i + 1] ?? 0) - (cpuBefore[i + 1] ?? 0)),
      store: s.pids.store === null ? Number.NaN : (cpuAfter[pids.length - 2] ?? 0) - (cpuBefore[pids.length - 2] ?? 0),
      redis: s.pids.redis === null ? Number.NaN : (cpuAfter[pids.length - 1] ?? 0) - (cpuBefore[pids.length - 1] ?? 0),
      parent: (parentCpu.user + parentCpu.system) / 1e6,
    },
    peakRss: { web: peaks[0] ?? Number.NaN, workers: peaks.slice(1) },
    tickets: minus(tickets, s.ticketsBefore),
    wecomCalls,
    storeStats: [...merged.values()],
    parentLagP99Ms: lag.percentile(99) / 1e6,
  };
  s.ticketsBefore = tickets;
  return figures;
}

/** Which step labelled each message, from the worker logs (complete once the workers have stopped). */
export function settle(p: PassFigures, classified: ReadonlyMap<string, Classified>): void {
  for (const m of p.messages) {
    const id = inboundIdFor('wecom_aibot', m.msgid);
    const c = classified.get(id);
    const key = !c ? 'no classification (clarification answer or not done)' : c.fallback ? `fallback (${c.fallback})` : c.source;
    p.settled.set(key, (p.settled.get(key) ?? 0) + 1);
    p.settledById.set(id, key);
  }
}
