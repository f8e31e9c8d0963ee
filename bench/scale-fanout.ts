/**
 * Scale of the queue-driven schedule, in one run on real Redis and the store:
 *   npx tsx bench/scale-fanout.ts [--compounds 13000] [--reminders 1000000] [--delivery-seconds 90]
 * 1. the service-day fan-out for a city, 2. delivery under WeCom's rate limits,
 * 3. Redis memory for a million pending reminders. See docs/bench-scale.md.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { loadConfig, type Config } from '../src/config';
import { nextMonth, monthKey, type MonthKey } from '../src/domain/service-day-plan';
import { toShanghaiParts } from '../src/domain/shanghai-time';
import { createLogger, type Logger } from '../src/log';
import { createRedis } from '../src/queues/redis';
import { SERVICE_DAY_QUEUE } from '../src/queues/service-day-queue';
import { TICKET_CLOCK_QUEUE } from '../src/queues/ticket-clock-queue';
import { openServices, type Services } from '../src/roles/services';
import { startFakeWeComApi, type FakeWeComApi } from '../test/fakes/fake-wecom-api';
import { BenchState } from './lib/bench-state';
import { cpuSeconds, pidListeningOn } from './lib/proc-stats';
import { loadScaleCompounds } from './lib/scale-compounds';
import { runDelivery } from './lib/scale-delivery';
import { LogTally } from './lib/scale-log';
import { redisConfig } from './lib/scale-redis';
import { runReminders } from './lib/scale-reminders';
import { deliverySection, fanOutSection, remindersSection, type Section } from './lib/scale-report';
import { FanOutBench, TRIGGER_QUEUE, type FanOutRun } from './lib/scale-service-day';
import { CpuMeter } from './lib/scale-timing';

const MONGODB_URL = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECTIONS = ['fanout', 'delivery', 'reminders'] as const;
type SectionName = (typeof SECTIONS)[number];

interface Options {
  compounds: number;
  reminders: number;
  deliverySeconds: number;
  ledgerMonths: number;
  sweepCutoff: number;
  chunk: number;
  webhooks: number;
  perWebhook: number;
  only: SectionName[];
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      compounds: { type: 'string', default: '13000' },
      reminders: { type: 'string', default: '1000000' },
      'delivery-seconds': { type: 'string', default: '90' },
      'ledger-months': { type: 'string', default: '1' },
      'sweep-cutoff': { type: 'string', default: '60' },
      chunk: { type: 'string', default: '500' },
      webhooks: { type: 'string', default: '50' },
      'per-webhook': { type: 'string', default: '60' },
      only: { type: 'string' },
    },
  });
  const num = (name: string, raw: string, min: number, max: number) => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${raw}`);
    return v;
  };
  const only = values.only?.split(',') ?? [...SECTIONS];
  if (!only.every((x) => (SECTIONS as readonly string[]).includes(x))) throw new Error(`--only takes a comma-separated list of ${SECTIONS.join(', ')}`);
  return {
    compounds: num('compounds', values.compounds, 1, 100_000),
    reminders: num('reminders', values.reminders, 1000, 3_000_000),
    deliverySeconds: num('delivery-seconds', values['delivery-seconds'], 5, 600),
    ledgerMonths: num('ledger-months', values['ledger-months'], 0, 6),
    // At least the 60 s target, so that a sweep cut short has missed it.
    sweepCutoff: num('sweep-cutoff', values['sweep-cutoff'], 60, 1800),
    chunk: num('chunk', values.chunk, 10, 10_000),
    webhooks: num('webhooks', values.webhooks, 1, 1000),
    perWebhook: num('per-webhook', values['per-webhook'], 1, 1000),
    only: only as SectionName[],
  };
}

const runId = randomBytes(3).toString('hex');
const name = `bench_scale_${runId}`;
const started = Date.now();
const loads: Array<[string, number[]]> = [['before', loadavg()]];

function localPid(url: string): number | null {
  const u = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return null;
  return pidListeningOn(Number(u.port || (u.protocol.startsWith('redis') ? 6379 : 27017)));
}

/** The month after this one (Shanghai): its service day is ahead, like a sweep that is about to run. */
function benchMonth(): MonthKey {
  const p = toShanghaiParts(new Date());
  return nextMonth(monthKey(p.year, p.month));
}

async function fanOut(services: Services, config: Config, log: Logger, cpu: CpuMeter, opts: Options, closers: Array<() => Promise<void>>): Promise<Section> {
  process.stderr.write(`fan-out: loading ${opts.compounds} compounds… `);
  const load = await loadScaleCompounds(services.conn, services.compounds, opts.compounds, { sample: 200, upsertBudgetMs: 30_000 });
  const bench = await FanOutBench.start(services, config, log, cpu, opts.chunk);
  closers.push(() => bench.close());
  const month = benchMonth();
  const runs: FanOutRun[] = [];
  process.stderr.write('sweep 1… ');
  runs.push(await bench.run(`1st: ${month}, empty ledger`, month, opts.compounds, opts.sweepCutoff * 1000));
  process.stderr.write('sweep 2… ');
  runs.push(await bench.run(`2nd: ${month} again`, month, opts.compounds, opts.sweepCutoff * 1000));
  if (opts.ledgerMonths > 0) {
    // The ledger once this month's jobs have run (and the months before, with --ledger-months > 1).
    let m = month;
    for (let k = 0; k < opts.ledgerMonths; k++) {
      process.stderr.write(`ledger ${m}… `);
      await bench.fillLedger(m, opts.compounds);
      m = monthBefore(m);
    }
    const following = nextMonth(month);
    process.stderr.write('sweep 3… ');
    runs.push(await bench.run(`3rd: ${following}, ledger of ${opts.ledgerMonths} month${opts.ledgerMonths > 1 ? 's' : ''}`, following, opts.compounds, opts.sweepCutoff * 1000));
  }
  process.stderr.write('done\n');
  // Frees Redis of the announcement jobs before the next section measures anything.
  await bench.close();
  return fanOutSection(opts.compounds, load, runs, opts.chunk);
}

function monthBefore(m: MonthKey): MonthKey {
  const [y, mo] = m.split('-').map(Number) as [number, number];
  return mo === 1 ? monthKey(y - 1, 12) : monthKey(y, mo - 1);
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const pids = { redis: localPid(REDIS_URL), store: localPid(MONGODB_URL) };
  const cpu = new CpuMeter(pids, cpuSeconds);
  const stop = new AbortController();
  const logs = new LogTally();
  const log = createLogger({ level: 'info', destination: logs });
  const state = new BenchState(MONGODB_URL, REDIS_URL);
  const closers: Array<() => Promise<void>> = [];
  let fake: FakeWeComApi | null = null;
  let services: Services | null = null;

  let cleaning: Promise<void> | null = null;
  const cleanUp = () => {
    cleaning ??= (async () => {
      stop.abort();
      for (const c of closers.reverse()) await c().catch((err: Error) => console.error(`cleanup: ${err.message}`));
      // The queues BenchState does not know, obliterated before its key scan (far faster for a million jobs).
      const redis = createRedis(REDIS_URL, 'worker');
      for (const q of [SERVICE_DAY_QUEUE, TRIGGER_QUEUE, TICKET_CLOCK_QUEUE]) {
        const queue = new Queue(q, { connection: redis, prefix: name });
        await queue.obliterate({ force: true }).catch((err: Error) => console.error(`cleanup: obliterate ${q}: ${err.message}`));
        await queue.close();
      }
      redis.disconnect();
      await services?.close().catch(() => undefined);
      await fake?.close().catch(() => undefined);
      for (const p of await state.drop(name, name)) console.error(`cleanup: ${p}`);
      await state.close();
    })();
    return cleaning;
  };
  let interrupted = false;
  const interrupt = (signal: string) => {
    // tsx relays the terminal's signal to this process a second time when it is slow to
    // acknowledge; a listener must stay registered or that second one exits before cleanup.
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping and removing the bench's database and keys…`);
    const force = setTimeout(() => process.exit(130), 60_000);
    void cleanUp().finally(() => {
      clearTimeout(force);
      console.error('cleanup done');
      process.exit(130);
    });
  };
  process.on('SIGINT', () => interrupt('SIGINT'));
  process.on('SIGTERM', () => interrupt('SIGTERM'));

  const sections: Section[] = [];
  const failed: string[] = [];
  const probe = createRedis(REDIS_URL, 'worker');
  const redisInfo = `Redis ${/^redis_version:(\S+)/m.exec(await probe.info('server'))?.[1] ?? '?'} (maxmemory-policy ${await redisConfig(probe, 'maxmemory-policy')})`;
  probe.disconnect();
  try {
    fake = await startFakeWeComApi();
    const config = loadConfig({
      NODE_ENV: 'production',
      MONGODB_URL,
      REDIS_URL,
      QUEUE_PREFIX: name,
      WECOM_OUTBOUND: 'live',
      WECOM_API_BASE: fake.baseUrl,
      WECOM_CORP_ID: fake.corpId,
      WECOM_APP_SECRET: fake.secret,
      WECOM_APP_AGENT_ID: '1000002',
    });
    services = await openServices({ config, log, dbName: name });
    const section = async (which: SectionName, run: () => Promise<Section>) => {
      if (!opts.only.includes(which) || stop.signal.aborted) return;
      try {
        sections.push(await run());
      } catch (err) {
        failed.push(`${which}: ${err instanceof Error ? err.message : String(err)}`);
      }
      loads.push([`after ${which}`, loadavg()]);
    };
    const svc = services;
    await section('fanout', () => fanOut(svc, config, log, cpu, opts, closers));
    await section('delivery', async () => {
      process.stderr.write(`delivery: ${opts.deliverySeconds} s… `);
      const spec = { webhooks: opts.webhooks, perWebhook: opts.perWebhook, members: 4, perMember: 45, senders: 2, perSender: 15, seconds: opts.deliverySeconds };
      const r = await runDelivery({ services: svc, config, log, logs, fake: fake as FakeWeComApi, cpu }, spec, stop.signal);
      process.stderr.write('done\n');
      return deliverySection(spec, r);
    });
    await section('reminders', async () => {
      process.stderr.write(`reminders: ${opts.reminders} jobs… `);
      const spec = { reminders: opts.reminders, chunk: 1000, lanes: 3, syncedTickets: 300 };
      const r = await runReminders({ services: svc, config, log, cpu }, spec, stop.signal);
      process.stderr.write('done\n');
      return remindersSection(r, spec);
    });
  } finally {
    await cleanUp();
  }

  const out: string[] = [''];
  out.push(
    `Mulin scale bench ${runId}, ${new Date(started).toISOString().slice(0, 16)}Z; node ${process.version}, ${cpus().length} cores; ${redisInfo} at ${REDIS_URL}; store at ${MONGODB_URL}`,
  );
  for (const sec of sections) out.push('', ...sec.lines);
  out.push('');
  for (const f of failed) out.push(`FAILED ${f}`);
  out.push(`load average (1/5/15 min): ${loads.map(([k, l]) => `${k} ${l.map((x) => x.toFixed(2)).join(' ')}`).join('; ')}`);
  out.push(`total ${((Date.now() - started) / 1000).toFixed(0)} s; database ${name} dropped and keys ${name}:* deleted`);
  console.log(out.join('\n'));
  if (failed.length > 0 || sections.some((sec) => sec.verdicts.some((v) => !v.ok))) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
