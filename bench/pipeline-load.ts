/**
 * Messages through the whole pipeline: signed AI-bot callbacks into the real web role, the real
 * worker role (triage, tickets, staff prompts) behind it, an LLM stand-in that answers after a delay.
 *   npx tsx bench/pipeline-load.ts [--messages 3000] [--compounds 300] [--llm-delay 300] [--concurrency 16]
 * See docs/bench-pipeline.md for the options and what each figure means.
 */
import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { WeComSimulator } from '../scripts/lib/wecom-simulator';
import { createRedis } from '../src/queues/redis';
import { QUEUES } from '../src/queues/names';
import { CompoundRepo } from '../src/store/compound-repo';
import { connectStore, type Connection } from '../src/store/connection';
import { startFakeWeComApi, type FakeWeComApi } from '../test/fakes/fake-wecom-api';
import { BenchState } from './lib/bench-state';
import { pidListeningOn } from './lib/proc-stats';
import { loadBenchCompounds } from './lib/pipeline-compounds';
import { LlmLedger, startBenchLlm, type BenchLlm } from './lib/pipeline-fake-llm';
import { readDeliveries, readRedisMemory, readWorkerLogs } from './lib/pipeline-measure';
import { describeMix, MessageMix } from './lib/pipeline-mix';
import { runPass, settle, type PassStage } from './lib/pipeline-pass';
import { printReport, type RunInfo } from './lib/pipeline-report';
import { startRole, stopRole, type RoleChild } from './lib/pipeline-roles';
import type { PipelineChildSpec } from './lib/pipeline-spec';

const KEYS = { token: 'MulinAibotToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const MONGODB_URL = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const AGENT_ID = '1000002';

interface Options {
  messages: number;
  compounds: number;
  llmDelay: number;
  concurrency: number;
  workers: number;
  connections: number;
  rate: number;
  chatterShare: number;
  repeatShare: number;
  replayShare: number;
  maxSeconds: number;
  seed: number;
  cpuProf: boolean;
  traceStore: boolean;
  keepLogs: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '3000' },
      compounds: { type: 'string', default: '300' },
      'llm-delay': { type: 'string', default: '300' },
      concurrency: { type: 'string', default: '16' },
      workers: { type: 'string', default: '1' },
      connections: { type: 'string', default: '32' },
      rate: { type: 'string', default: '0' },
      'chatter-share': { type: 'string', default: '0.6' },
      'repeat-share': { type: 'string', default: '0.2' },
      'replay-share': { type: 'string', default: '0.3' },
      'max-seconds': { type: 'string', default: '600' },
      seed: { type: 'string', default: '1' },
      'cpu-prof': { type: 'boolean', default: false },
      'trace-store': { type: 'boolean', default: false },
      'keep-logs': { type: 'boolean', default: false },
    },
  });
  const num = (name: string, raw: string, min: number, max: number) => {
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be between ${min} and ${max}, got ${raw}`);
    return v;
  };
  const int = (name: string, raw: string, min: number, max: number) => Math.round(num(name, raw, min, max));
  return {
    messages: int('messages', values.messages, 100, 20_000),
    compounds: int('compounds', values.compounds, 1, 5_000),
    llmDelay: int('llm-delay', values['llm-delay'], 0, 5_000),
    concurrency: int('concurrency', values.concurrency, 1, 256),
    workers: int('workers', values.workers, 1, 4),
    connections: int('connections', values.connections, 1, 256),
    rate: num('rate', values.rate, 0, 5_000),
    chatterShare: num('chatter-share', values['chatter-share'], 0, 0.9),
    repeatShare: num('repeat-share', values['repeat-share'], 0, 0.9),
    replayShare: num('replay-share', values['replay-share'], 0, 1),
    // Bounds each pass's wait for the queue to drain; the whole run stops by itself.
    maxSeconds: int('max-seconds', values['max-seconds'], 10, 1_800),
    seed: int('seed', values.seed, 0, 2 ** 31),
    cpuProf: values['cpu-prof'],
    traceStore: values['trace-store'],
    keepLogs: values['keep-logs'],
  };
}

const runId = randomBytes(3).toString('hex');
const dbName = `bench_${runId}_pipeline`;
const queuePrefix = `bench_${runId}_pipeline`;
const workDir = join(tmpdir(), `mulin-bench-pipeline-${runId}`);
const profileDir = join(workDir, 'prof');
const children = new Set<ChildProcess>();
const loadBefore = loadavg();

/** The store and Redis when they run on this machine: their CPU is part of the cost. */
function localPid(url: string, defaultPort: number): number | null {
  const u = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return null;
  return pidListeningOn(Number(u.port || defaultPort));
}

function roleEnv(llm: BenchLlm, wecom: FakeWeComApi, role: 'web' | 'worker'): Record<string, string> {
  return {
    NODE_ENV: 'production',
    // The workers log at info, as deployed: their "message classified" lines are read afterwards.
    LOG_LEVEL: role === 'worker' ? 'info' : 'warn',
    MONGODB_URL,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    WECOM_AIBOT_TOKEN: KEYS.token,
    WECOM_AIBOT_ENCODING_AES_KEY: KEYS.encodingAesKey,
    // Callbacks are signed before their pass; a pass may take longer than WeCom's 300 s.
    WECOM_TIMESTAMP_WINDOW_SECONDS: '3600',
    WECOM_API_BASE: wecom.baseUrl,
    WECOM_CORP_ID: wecom.corpId,
    WECOM_APP_SECRET: wecom.secret,
    WECOM_APP_AGENT_ID: AGENT_ID,
    WECOM_OUTBOUND: 'live',
    OPENAI_BASE_URL: llm.fake.baseUrl,
    OPENAI_MODEL: 'bench-fake',
    OPENAI_API_KEY: 'bench',
  };
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const state = new BenchState(MONGODB_URL, REDIS_URL);
  const redis = createRedis(REDIS_URL, 'worker');
  mkdirSync(workDir, { recursive: true });
  let llm: BenchLlm | null = null;
  let wecom: FakeWeComApi | null = null;
  let conn: Connection | null = null;
  let queue: Queue<{ inboundId: string }> | null = null;

  let cleaning: Promise<void> | null = null;
  const cleanUp = () => {
    cleaning ??= (async () => {
      await Promise.all([...children].map(stopRole));
      await queue?.close();
      await conn?.close();
      // Only after every child has exited: the store must see none of their queries while it drops.
      for (const p of await state.drop(dbName, queuePrefix)) console.error(`cleanup: ${p}`);
      await state.close();
      redis.disconnect();
      await llm?.fake.close();
      await wecom?.close();
      if (!opts.keepLogs) rmSync(join(workDir, 'logs'), { recursive: true, force: true });
      if (!opts.cpuProf && !opts.keepLogs) rmSync(workDir, { recursive: true, force: true });
    })();
    return cleaning;
  };
  const interrupt = (signal: string) => {
    console.error(`\n${signal}: stopping the roles and removing bench data…`);
    const force = setTimeout(() => process.exit(130), 90_000);
    void cleanUp().finally(() => {
      clearTimeout(force);
      process.exit(130);
    });
  };
  process.once('SIGINT', () => interrupt('SIGINT'));
  process.once('SIGTERM', () => interrupt('SIGTERM'));

  try {
    const mix = new MessageMix({ messages: opts.messages, compounds: opts.compounds, chatterShare: opts.chatterShare, repeatShare: opts.repeatShare, seed: opts.seed, idPrefix: runId }).build();
    const replay = mix.replay(Math.round(opts.messages * opts.replayShare));
    for (const l of [...describeMix('pass 1 (mix)', mix.messages), ...describeMix('pass 2 (replay of pass-1 texts)', replay)]) console.log(l);

    llm = await startBenchLlm(mix.labels, opts.llmDelay);
    wecom = await startFakeWeComApi();
    // WeCom allows 20 posts a minute per group webhook; the delivery worker already paces itself.
    // Any 45009 the fake still answers is counted in the report.
    wecom.setWebhookLimit(1_000_000, 60_000);

    conn = await connectStore(MONGODB_URL, { dbName });
    process.stderr.write(`loading ${opts.compounds} compounds… `);
    const compoundLoadMs = await loadBenchCompounds(new CompoundRepo(conn), opts.compounds);
    process.stderr.write(`${(compoundLoadMs / 1000).toFixed(1)} s\n`);

    const spec = (role: 'web' | 'worker', index: number): PipelineChildSpec => ({
      role,
      index,
      env: roleEnv(llm as BenchLlm, wecom as FakeWeComApi, role),
      dbName,
      logPath: join(workDir, 'logs', `${role}-${index}.log`),
      intakeConcurrency: opts.concurrency,
      traceStore: opts.traceStore && role === 'worker',
    });
    const profArgs = (role: 'web' | 'worker') => (opts.cpuProf && role === 'worker' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
    const web = await startRole(spec('web', 0), [], children);
    const workers: RoleChild[] = [];
    for (let i = 1; i <= opts.workers; i++) workers.push(await startRole(spec('worker', i), profArgs('worker'), children));

    queue = new Queue<{ inboundId: string }>(QUEUES.intake, { connection: redis, prefix: queuePrefix });
    queue.on('error', () => undefined);
    const stage: PassStage = {
      send: { connections: opts.connections, rate: opts.rate },
      maxSeconds: opts.maxSeconds,
      sim: new WeComSimulator({ baseUrl: '', aibot: KEYS }),
      wecom,
      ledger: new LlmLedger(llm.fake),
      conn,
      queue,
      web,
      workers,
      pids: { store: localPid(MONGODB_URL, 27017), redis: localPid(REDIS_URL, 6379) },
      ticketsBefore: { tickets: 0, attachedReports: 0, bySource: new Map() },
    };
    const redisBefore = await readRedisMemory(redis, queuePrefix);
    const p1 = await runPass('pass 1 (mix)', mix.messages, stage, null);
    // A replay behind an undrained backlog would measure the backlog: report pass 1 alone.
    const p2 = replay.length > 0 && p1.drained ? await runPass('pass 2 (replay)', replay, stage, p1.llm.texts) : null;
    if (!p1.drained) console.error(`pass 1 did not drain within --max-seconds ${opts.maxSeconds}: pass 2 skipped, figures cover what was done`);
    const redisAfter = await readRedisMemory(redis, queuePrefix);
    const deliveries = await readDeliveries(conn);

    // The logs are complete once the workers have exited (their last lines are flushed on the way out).
    await Promise.all([web, ...workers].map((r) => stopRole(r.child)));
    const logs = readWorkerLogs(workers.map((w) => w.spec.logPath));
    const passes = [p1, ...(p2 ? [p2] : [])];
    for (const p of passes) settle(p, logs.classified);

    const run: RunInfo = {
      id: runId,
      messages: mix.messages.length,
      replay: p2 ? replay.length : 0,
      compounds: opts.compounds,
      llmDelayMs: opts.llmDelay,
      workers: opts.workers,
      concurrency: opts.concurrency,
      connections: opts.connections,
      rate: opts.rate,
      loadBefore,
      compoundLoadMs,
      redisBefore,
      redisAfter,
      deliveries,
      unknownLlmTexts: llm.unknownTexts(),
      logErrors: logs.errors,
      profileDir: opts.cpuProf ? profileDir : null,
    };
    printReport(run, passes);
    const incomplete = passes.some((p) => !p.drained || p.done < p.messages.length || [...p.status.keys()].some((k) => k !== '200'));
    // Targets are reported, not enforced; a message that never got done is a failure.
    if (incomplete) process.exitCode = 1;
  } finally {
    await cleanUp();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  for (const c of children) c.kill('SIGKILL');
  process.exit(2);
});
