import http from 'node:http';
import type { PreparedCallback } from './callback-requests';

// undici is not in node_modules, so plain node:http with a keep-alive Agent: one socket per
// connection, reused for every request of a phase. FIFO hands requests to every socket in turn:
// with Node's default LIFO, sockets at the back sit idle past the server's 5 s keep-alive
// timeout and the server's close races the next request on them (ECONNRESET).
const agentOptions = (connections: number): http.AgentOptions => ({ keepAlive: true, maxSockets: connections, scheduling: 'fifo' });

const REQUEST_TIMEOUT_MS = 10_000;
/** After the last request is sent, in-flight ones get this long before they count as timeouts. */
const DRAIN_MS = REQUEST_TIMEOUT_MS + 1_000;

interface Outcome {
  status: number;
  body: string | null;
  error: string | null;
}

export interface Sample {
  req: PreparedCallback;
  body: string;
}

export interface PhaseResult {
  sent: number;
  ok: number;
  /** Milliseconds, one per completed request (any status). */
  latencies: Float64Array;
  elapsedMs: number;
  /** "503 {"error":"queue"}" or "ECONNRESET" → count. */
  failures: Map<string, number>;
  /** Bodies of every n-th 200 response, checked after the phase so the check costs no timed CPU. */
  samples: Sample[];
  /** msgids that were answered 200 at least once. */
  acked: Set<string>;
  /** The batch ran out before the time did: the rate is still completed / elapsed. */
  exhausted: boolean;
  /** Open loop only: how late the generator sent requests (p99, ms); large means the figures are the generator's. */
  sendLagP99Ms: number;
  generatorCpuPct: number;
}

export interface PhaseOptions {
  port: number;
  requests: readonly PreparedCallback[];
  seconds: number;
  connections: number;
  sampleEvery: number;
}

function post(agent: http.Agent, port: number, req: PreparedCallback, keepBody: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: Outcome) => {
      if (!done) {
        done = true;
        resolve(o);
      }
    };
    const r = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: req.path,
        headers: { 'content-type': req.contentType, 'content-length': String(req.body.length) },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.on('error', (err) => finish({ status: 0, body: null, error: err.message }));
        if (status === 200 && !keepBody) {
          res.on('end', () => finish({ status, body: null, error: null }));
          res.resume();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish({ status, body: Buffer.concat(chunks).toString('utf8'), error: null }));
      },
    );
    r.setTimeout(REQUEST_TIMEOUT_MS, () => r.destroy(new Error('timeout')));
    r.on('error', (err) => finish({ status: 0, body: null, error: (err as NodeJS.ErrnoException).code ?? err.message }));
    r.end(req.body);
  });
}

class Recorder {
  readonly latencies: Float64Array;
  count = 0;
  ok = 0;
  readonly failures = new Map<string, number>();
  readonly samples: Sample[] = [];
  readonly acked = new Set<string>();
  /** Answers that arrive after the phase is over (the server is being stopped) are not counted. */
  private closed = false;

  constructor(
    capacity: number,
    private readonly sampleEvery: number,
  ) {
    this.latencies = new Float64Array(capacity);
  }

  wantsBody(index: number): boolean {
    return index % this.sampleEvery === 0;
  }

  record(index: number, req: PreparedCallback, ms: number, o: Outcome): void {
    if (this.closed) return;
    this.latencies[this.count++] = ms;
    if (o.status === 200) {
      this.ok++;
      this.acked.add(req.msgid);
      if (o.body !== null && this.wantsBody(index)) this.samples.push({ req, body: o.body });
      return;
    }
    const key = o.error ?? `${o.status} ${(o.body ?? '').slice(0, 80)}`;
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
  }

  result(sent: number, elapsedMs: number, exhausted: boolean, sendLagP99Ms: number, cpu: NodeJS.CpuUsage): PhaseResult {
    const cpuMs = (cpu.user + cpu.system) / 1000;
    this.closed = true;
    return {
      sent,
      ok: this.ok,
      latencies: this.latencies.subarray(0, this.count),
      elapsedMs,
      failures: this.failures,
      samples: this.samples,
      acked: this.acked,
      exhausted,
      sendLagP99Ms,
      generatorCpuPct: elapsedMs > 0 ? (100 * cpuMs) / elapsedMs : 0,
    };
  }
}

function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** C connections, each sending its next request as soon as the previous one is answered. */
export async function closedLoop(opts: PhaseOptions): Promise<PhaseResult> {
  const agent = new http.Agent(agentOptions(opts.connections));
  const rec = new Recorder(opts.requests.length, opts.sampleEvery);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + opts.seconds * 1000;
  let next = 0;
  let last = start;
  const connection = async () => {
    while (next < opts.requests.length && performance.now() < deadline) {
      const index = next++;
      const req = opts.requests[index] as PreparedCallback;
      const t0 = performance.now();
      const o = await post(agent, opts.port, req, rec.wantsBody(index));
      last = performance.now();
      rec.record(index, req, last - t0, o);
    }
  };
  await withDeadline(Promise.all(Array.from({ length: opts.connections }, connection)), opts.seconds * 1000 + DRAIN_MS);
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return rec.result(next, last - start, next >= opts.requests.length, 0, cpu);
}

/**
 * A steady `rate` whatever the server does (open loop): requests are sent on schedule even
 * while earlier ones are unanswered, so a slow server shows up as latency, not as a lower rate.
 * Latency starts when the request is handed to the agent, so waiting for a free socket counts.
 */
export async function openLoop(opts: PhaseOptions & { rate: number }): Promise<PhaseResult> {
  const agent = new http.Agent(agentOptions(opts.connections));
  const total = Math.min(opts.requests.length, Math.round(opts.rate * opts.seconds));
  const rec = new Recorder(total, opts.sampleEvery);
  const lags = new Float64Array(total);
  const inflight = new Set<Promise<void>>();
  const interval = 1000 / opts.rate;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let sent = 0;
  let last = start;

  const fire = (index: number, due: number) => {
    const req = opts.requests[index] as PreparedCallback;
    const t0 = performance.now();
    lags[index] = t0 - due;
    const p = post(agent, opts.port, req, rec.wantsBody(index)).then((o) => {
      last = performance.now();
      rec.record(index, req, last - t0, o);
      inflight.delete(p);
    });
    inflight.add(p);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        fire(sent, start + sent * interval);
        sent++;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  await withDeadline(Promise.all(inflight), DRAIN_MS);
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return rec.result(sent, last - start, false, percentile(lags.slice().sort(), 0.99), cpu);
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] as number;
}
