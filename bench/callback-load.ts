/**
 * Load on the AI-bot callback route, next to two bare Koa baselines, in one run:
 *   npx tsx bench/callback-load.ts [--seconds 10] [--connections 64] [--rate 500] [--repeat-share 0.2]
 * See docs/bench-callback.md for what each row means.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WeComSimulator } from '../scripts/lib/wecom-simulator';
import { inboundIdFor, streamIdFor } from '../src/channels/wecom/ids';
import { buildCallbacks, type PreparedCallback } from './lib/callback-requests';
import { closedLoop, openLoop, type PhaseResult, type Sample } from './lib/load-generator';
import { cpuSeconds, pidListeningOn, RssSampler } from './lib/proc-stats';
import { BenchState } from './lib/bench-state';
import { errorsOf, printReport, type Options, type Row } from './lib/report';
import { BASELINE_COLLECTION, MULIN_COLLECTION, type ChildMessage, type ServerKind, type ServerSpec } from './lib/server-spec';

const KEYS = { token: 'MulinAibotToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const MONGODB_URL = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WARMUP_SECONDS = 2;
const WARMUP_REQUESTS = 10_000;
const SAMPLES_PER_PHASE = 200;

const SERVERS: Array<{ kind: ServerKind; label: string }> = [
  { kind: 'decrypt', label: 'verify+decrypt' },
  { kind: 'durable', label: 'verify+decrypt+insert+queue' },
  { kind: 'mulin', label: 'mulin /wecom/aibot' },
];

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '64' },
      rate: { type: 'string', default: '500' },
      'repeat-share': { type: 'string', default: '0.2' },
      'max-requests': { type: 'string', default: '150000' },
      'cpu-prof': { type: 'string' },
      only: { type: 'string' },
    },
  });
  const num = (name: string, raw: string, min: number, max: number) => {
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be between ${min} and ${max}, got ${raw}`);
    return v;
  };
  const isKind = (k: string) => SERVERS.some((s) => s.kind === k);
  const prof = values['cpu-prof'];
  if (prof !== undefined && !isKind(prof)) throw new Error('--cpu-prof takes decrypt, durable or mulin');
  const only = values.only?.split(',') ?? SERVERS.map((s) => s.kind);
  if (!only.every(isKind)) throw new Error('--only takes a comma-separated list of decrypt, durable, mulin');
  return {
    // Requests are signed before each phase; 120 s keeps every one inside WeCom's 300 s timestamp window.
    seconds: num('seconds', values.seconds, 1, 120),
    connections: Math.round(num('connections', values.connections, 1, 1024)),
    rate: num('rate', values.rate, 1, 20000),
    repeatShare: num('repeat-share', values['repeat-share'], 0, 0.9),
    maxRequests: Math.round(num('max-requests', values['max-requests'], 1000, 1_000_000)),
    cpuProf: (prof as ServerKind | undefined) ?? null,
    only: only as ServerKind[],
  };
}

const runId = randomBytes(3).toString('hex');
const names = (kind: ServerKind) => ({ dbName: `bench_${runId}_${kind}`, queuePrefix: `bench_${runId}_${kind}` });
const children = new Set<ChildProcess>();
const loadBefore = loadavg();

/** The store and Redis when they run on this machine: their CPU per request is part of the cost. */
function localPid(url: string): number | null {
  const u = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return null;
  return pidListeningOn(Number(u.port || (u.protocol.startsWith('redis') ? 6379 : 27017)));
}
const localPids = { store: localPid(MONGODB_URL), redis: localPid(REDIS_URL) };

async function startServer(kind: ServerKind, opts: Options): Promise<{ child: ChildProcess; port: number }> {
  const spec: ServerSpec = { kind, mongoUrl: MONGODB_URL, redisUrl: REDIS_URL, token: KEYS.token, encodingAesKey: KEYS.encodingAesKey, ...names(kind) };
  // fork keeps tsx's loader flags, so the child runs the TypeScript sources like the parent.
  const execArgv = [...process.execArgv];
  if (opts.cpuProf === kind) execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(tmpdir(), `mulin-bench-prof-${runId}`)}`);
  const child = fork(join(__dirname, 'lib', 'server-child.ts'), [JSON.stringify(spec)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server not ready within 30 s`)), 30_000);
    child.on('message', (msg: ChildMessage) => {
      clearTimeout(timer);
      if (msg.type === 'ready') resolve(msg.port);
      else reject(new Error(`${kind} server failed to start: ${msg.error}`));
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code} before it was ready`)));
  });
  return { child, port };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'stop' });
  // The child lets its in-flight requests finish first (see server-child.ts), within 30 s.
  const timer = setTimeout(() => child.kill('SIGKILL'), 35_000);
  await exited;
  clearTimeout(timer);
}

/** The body each kind must answer 200 with; a mismatch is counted as an error. */
function checkReply(kind: ServerKind, sim: WeComSimulator, s: Sample): string | null {
  if (kind !== 'mulin') return s.body === '' ? null : `unexpected body ${s.body.slice(0, 60)}`;
  try {
    const reply = sim.openAibotReply(s.body) as { msgtype?: string; stream?: { id?: string } };
    const expected = streamIdFor(inboundIdFor('wecom_aibot', s.req.msgid));
    if (reply.msgtype !== 'stream' || reply.stream?.id !== expected) return `reply for ${s.req.msgid} is ${JSON.stringify(reply).slice(0, 80)}`;
    return null;
  } catch (err) {
    return `reply for ${s.req.msgid} does not open: ${(err as Error).message}`;
  }
}

function sentUniques(reqs: readonly PreparedCallback[], sent: number): number {
  let n = 0;
  for (let i = 0; i < sent; i++) if (!reqs[i]?.repeat) n++;
  return n;
}

/**
 * Every acknowledged msgid is stored and queued exactly once, however often it was resent;
 * requests cut off when the server stopped may or may not have been.
 */
async function checkStored(kind: ServerKind, state: BenchState, phases: Array<[readonly PreparedCallback[], PhaseResult]>): Promise<string> {
  const { dbName, queuePrefix } = names(kind);
  const { docs, jobs } = await state.count(dbName, kind === 'mulin' ? MULIN_COLLECTION : BASELINE_COLLECTION, queuePrefix);
  const acked = phases.reduce((n, [, r]) => n + r.acked.size, 0);
  const sent = phases.reduce((n, [reqs, r]) => n + sentUniques(reqs, r.sent), 0);
  const ok = docs >= acked && docs <= sent && jobs >= acked && jobs <= sent;
  return `${docs} stored, ${jobs} queued for ${acked} distinct msgids acknowledged (${sent} sent): ${ok ? 'ok' : 'MISMATCH'}`;
}

async function runServer(kind: ServerKind, label: string, opts: Options, state: BenchState): Promise<Row> {
  const batch = (phase: string, count: number) =>
    buildCallbacks({ keys: KEYS, count, idPrefix: `${runId}-${kind}-${phase}`, repeatShare: opts.repeatShare, repeatLag: 2 * opts.connections, seed: 1 });
  const { child, port } = await startServer(kind, opts);
  const pid = child.pid as number;
  const rss = new RssSampler(pid);
  const phase = { port, connections: opts.connections, seconds: opts.seconds };
  try {
    process.stderr.write(`${label}: warm-up ${WARMUP_SECONDS} s… `);
    const warmReqs = batch('warm', WARMUP_REQUESTS);
    const warm = await closedLoop({ ...phase, seconds: WARMUP_SECONDS, requests: warmReqs, sampleEvery: WARMUP_REQUESTS });
    // Size the timed batch from the warm-up rate, with room for the JIT to speed things up.
    const warmRate = warm.ok / Math.max(warm.elapsedMs / 1000, 0.001);
    const closedReqs = batch('closed', Math.min(opts.maxRequests, Math.ceil(warmRate * opts.seconds * 3) + 4 * opts.connections));

    process.stderr.write(`closed loop ${opts.seconds} s… `);
    const watched = [pid, localPids.store, localPids.redis];
    const cpuNow = () => watched.map((p) => (p === null ? Number.NaN : cpuSeconds(p)));
    const before = cpuNow();
    const closed = await closedLoop({ ...phase, requests: closedReqs, sampleEvery: Math.max(1, Math.floor(closedReqs.length / SAMPLES_PER_PHASE)) });
    const after = cpuNow();
    const used = (i: number) => (after[i] ?? Number.NaN) - (before[i] ?? Number.NaN);
    const cpu = { server: used(0), store: used(1), redis: used(2), generator: (closed.generatorCpuPct / 100) * (closed.elapsedMs / 1000) };

    process.stderr.write(`${opts.rate} req/s ${opts.seconds} s… `);
    const openReqs = batch('open', Math.ceil(opts.rate * opts.seconds));
    const open = await openLoop({ ...phase, rate: opts.rate, requests: openReqs, sampleEvery: Math.max(1, Math.floor(openReqs.length / SAMPLES_PER_PHASE)) });
    process.stderr.write('done\n');

    const sim = new WeComSimulator({ baseUrl: '', aibot: KEYS });
    const problems = [...closed.samples, ...open.samples].map((s) => checkReply(kind, sim, s)).filter((e): e is string => e !== null);

    const peakRssMb = rss.stop();
    // Stop first, so the counts below see everything the server will ever write for this run.
    await stopServer(child);
    const stored = kind === 'decrypt' ? null : await checkStored(kind, state, [[warmReqs, warm], [closedReqs, closed], [openReqs, open]]);
    if (stored?.endsWith('MISMATCH')) problems.push(`store/queue mismatch: ${stored}`);
    return { label, kind, closed, open, peakRssMb, cpu, problems, stored };
  } finally {
    rss.stop();
    await stopServer(child);
  }
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const state = new BenchState(MONGODB_URL, REDIS_URL);
  let cleaning: Promise<void> | null = null;
  const cleanUp = () => {
    cleaning ??= (async () => {
      await Promise.all([...children].map(stopServer));
      for (const s of SERVERS) {
        if (s.kind === 'decrypt') continue;
        const { dbName, queuePrefix } = names(s.kind);
        for (const p of await state.drop(dbName, queuePrefix)) console.error(`cleanup: ${p}`);
      }
      await state.close();
    })();
    return cleaning;
  };
  const interrupt = (signal: string) => {
    console.error(`\n${signal}: stopping servers and removing bench data…`);
    const force = setTimeout(() => process.exit(130), 45_000);
    void cleanUp().finally(() => {
      clearTimeout(force);
      process.exit(130);
    });
  };
  process.once('SIGINT', () => interrupt('SIGINT'));
  process.once('SIGTERM', () => interrupt('SIGTERM'));

  const rows: Row[] = [];
  try {
    for (const s of SERVERS.filter((x) => opts.only.includes(x.kind))) rows.push(await runServer(s.kind, s.label, opts, state));
  } finally {
    await cleanUp();
  }
  printReport(rows, opts, { id: runId, loadBefore });
  // Targets are reported, not enforced; a wrong answer is a failure.
  if (rows.some((r) => errorsOf(r) > 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  for (const c of children) c.kill('SIGKILL');
  process.exit(2);
});
