import type { Config } from '../../src/config';
import type { Logger } from '../../src/log';
import { DEFAULT_RATE_LIMITS, type Window } from '../../src/channels/wecom/destination';
import { createDeliveryWorker } from '../../src/queues/delivery-queue';
import { createRedis } from '../../src/queues/redis';
import type { Services } from '../../src/roles/services';
import { createSender } from '../../src/roles/worker';
import type { FakeCall, FakeWeComApi } from '../../test/fakes/fake-wecom-api';
import { scaleWebhookKey } from './scale-compounds';
import type { LogTally } from './scale-log';
import { CallTimes, timed, type CpuMeter, type CpuUse } from './scale-timing';

// Section 2: many messages for many destinations through the real outbox and delivery worker,
// against the fake WeCom API, which answers 45009 above 20 sends a minute per webhook key.

export interface DeliverySpec {
  webhooks: number;
  perWebhook: number;
  /** App messages to single members (30/min each) and group-send tasks per owner (10/min each). */
  members: number;
  perMember: number;
  senders: number;
  perSender: number;
  seconds: number;
}

export interface LimitRow {
  kind: string;
  limit: Window;
  keys: number;
  enqueued: number;
  /** Calls the fake answered with errcode 0. */
  delivered: number;
  /** The most successful sends to one key within any `limit.windowMs`, over all keys. */
  maxInWindow: number;
  keysOver: number;
  /** The same over every call, refused ones included. */
  maxCallsInWindow: number;
  rejected45009: number;
  /**
   * For each 45009: how long before the refused call the oldest of the sends it was counted
   * against would have left WeCom's window (small = a race at the window's edge).
   */
  rejectedMarginsMs: number[];
  /** Messages the fake accepted more than once. */
  duplicates: number;
}

export interface DeliveryResult {
  rows: LimitRow[];
  enqueued: number;
  enqueueMs: number;
  ranMs: number;
  status: { pending: number; sent: number; failed: number };
  /** Jobs still in the delivery queue after the worker stopped (each pending delivery needs one). */
  jobsLeft: number;
  rateLimitWaits: number;
  retries: number;
  otherErrcodes: Map<string, number>;
  /** Where the worker's time went, per store and WeCom call. */
  phases: Map<string, { calls: number; ms: number }>;
  /** The first warnings and errors the app logged. */
  problems: string[];
  cpu: CpuUse;
}

/** The most timestamps that fall within one window of `windowMs` (half-open, like WeCom's and the fake's). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let max = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while ((t[hi] as number) - (t[lo] as number) >= windowMs) lo++;
    max = Math.max(max, hi - lo + 1);
  }
  return max;
}

interface Kind {
  kind: string;
  path: string;
  limit: Window;
  keyOf: (c: FakeCall) => string;
  enqueued: number;
  keys: number;
}

const errcodeOf = (c: FakeCall) => ('errcode' in c.response ? c.response.errcode : -c.response.httpStatus);
const markerOf = (c: FakeCall) => /#([a-z]+-\d+-\d+)#/.exec(JSON.stringify(c.body))?.[1] ?? '';

function row(k: Kind, calls: readonly FakeCall[]): LimitRow {
  const mine = calls.filter((c) => c.path === k.path);
  const ok = mine.filter((c) => errcodeOf(c) === 0);
  const group = (cs: readonly FakeCall[]) => {
    const by = new Map<string, number[]>();
    for (const c of cs) by.set(k.keyOf(c), [...(by.get(k.keyOf(c)) ?? []), c.at]);
    return [...by.values()].map((ts) => maxInWindow(ts, k.limit.windowMs));
  };
  const perKey = group(ok);
  const markers = ok.map(markerOf);
  const margins = mine
    .filter((c) => errcodeOf(c) === 45009)
    .map((c) => {
      const counted = ok.filter((o) => k.keyOf(o) === k.keyOf(c) && o.at > c.at - k.limit.windowMs && o.at <= c.at).map((o) => o.at);
      return counted.length > 0 ? k.limit.windowMs - (c.at - Math.min(...counted)) : Number.NaN;
    });
  return {
    kind: k.kind,
    limit: k.limit,
    keys: k.keys,
    enqueued: k.enqueued,
    delivered: ok.length,
    maxInWindow: Math.max(0, ...perKey),
    keysOver: perKey.filter((n) => n > k.limit.limit).length,
    maxCallsInWindow: Math.max(0, ...group(mine)),
    rejected45009: mine.filter((c) => errcodeOf(c) === 45009).length,
    rejectedMarginsMs: margins,
    duplicates: markers.length - new Set(markers).size,
  };
}

async function inLanes(tasks: ReadonlyArray<() => Promise<unknown>>, lanes: number, stop: AbortSignal): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < tasks.length && !stop.aborted) await tasks[next++]?.();
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    stop.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function runDelivery(
  deps: { services: Services; config: Config; log: Logger; logs: LogTally; fake: FakeWeComApi; cpu: CpuMeter },
  spec: DeliverySpec,
  stop: AbortSignal,
): Promise<DeliveryResult> {
  const { services, config, log, logs, fake } = deps;
  const out = services.outbound;
  // Each destination's messages back to back (a burst to one group, a long text split in parts),
  // the three kinds spread evenly over the queue: the order that makes every limit bite.
  const streams: Array<Array<() => Promise<unknown>>> = [[], [], []];
  for (let k = 0; k < spec.webhooks; k++) {
    for (let j = 0; j < spec.perWebhook; j++) streams[0]?.push(() => out.postToGroupWebhook(`bench-wh-${k}-${j}`, scaleWebhookKey(k), `【规模测试】第${j + 1}条群通知 #wh-${k}-${j}#`));
  }
  for (let m = 0; m < spec.members; m++) {
    for (let j = 0; j < spec.perMember; j++) streams[1]?.push(() => out.sendToUsers(`bench-app-${m}-${j}`, [`scale.member${m}`], `【规模测试】第${j + 1}条提醒 #app-${m}-${j}#`));
  }
  for (let o = 0; o < spec.senders; o++) {
    for (let j = 0; j < spec.perSender; j++) {
      streams[2]?.push(() => out.createCustomerGroupTask(`bench-cg-${o}-${j}`, `scale.owner${o}`, [`wrOgQhDgAAScale${o}`], `【规模测试】第${j + 1}条群发 #cg-${o}-${j}#`));
    }
  }
  const tasks = streams
    .flatMap((list) => list.map((task, i) => ({ task, at: i / list.length })))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.task);
  const enqueueStarted = performance.now();
  await inLanes(tasks, 8, stop);
  const enqueueMs = performance.now() - enqueueStarted;
  logs.take();

  // As startWorkers wires it: its own connections, the sender chosen from config, default concurrency.
  const connection = createRedis(config.REDIS_URL, 'worker');
  const limiterRedis = createRedis(config.REDIS_URL, 'worker');
  // Debug, so that every wait for the rate limit is counted.
  const logger = log.child({ component: 'delivery' }, { level: 'debug' });
  const times = new CallTimes();
  const cpuDone = deps.cpu.start();
  const started = performance.now();
  const worker = createDeliveryWorker({
    connection,
    prefix: config.QUEUE_PREFIX,
    deps: {
      repo: timed(services.deliveries, 'deliveries', ['get', 'markSent', 'markAttempt', 'markFailed'], times),
      sender: timed(createSender(config, services, log), 'sender', ['deliver'], times),
      redis: limiterRedis,
      prefix: config.QUEUE_PREFIX,
      logger,
    },
  });
  try {
    await sleep(spec.seconds * 1000, stop);
  } finally {
    await worker.close();
    connection.disconnect();
    limiterRedis.disconnect();
  }
  const ranMs = performance.now() - started;
  const cpu = cpuDone();
  const counts = logs.take();

  const kinds: Kind[] = [
    { kind: 'push webhook (per key)', path: '/cgi-bin/webhook/send', limit: DEFAULT_RATE_LIMITS.webhook, keyOf: (c) => c.query.key ?? '', enqueued: spec.webhooks * spec.perWebhook, keys: spec.webhooks },
    {
      kind: 'app message (per member)',
      path: '/cgi-bin/message/send',
      limit: DEFAULT_RATE_LIMITS.appMemberPerMinute,
      keyOf: (c) => String((c.body as { touser?: unknown }).touser),
      enqueued: spec.members * spec.perMember,
      keys: spec.members,
    },
    {
      kind: 'group-send task (per owner)',
      path: '/cgi-bin/externalcontact/add_msg_template',
      limit: DEFAULT_RATE_LIMITS.customerGroupTaskPerSender,
      keyOf: (c) => String((c.body as { sender?: unknown }).sender),
      enqueued: spec.senders * spec.perSender,
      keys: spec.senders,
    },
  ];
  const sends = fake.calls.filter((c) => kinds.some((k) => k.path === c.path));
  const otherErrcodes = new Map<string, number>();
  for (const c of sends) {
    const code = errcodeOf(c);
    if (code !== 0 && code !== 45009) otherErrcodes.set(`${c.path} ${code}`, (otherErrcodes.get(`${c.path} ${code}`) ?? 0) + 1);
  }
  const jobs = await services.deliveryQueue.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'paused');
  return {
    rows: kinds.map((k) => row(k, sends)),
    enqueued: tasks.length,
    enqueueMs,
    ranMs,
    status: await services.deliveries.countByStatus(),
    jobsLeft: Object.values(jobs).reduce((a, b) => a + b, 0),
    rateLimitWaits: counts.counts.get('debug: delivery waits for the rate limit') ?? 0,
    retries: [...counts.counts].filter(([k]) => k.startsWith('warn: delivery will retry')).reduce((a, [, n]) => a + n, 0),
    problems: counts.problems,
    otherErrcodes,
    phases: times.reset(),
    cpu,
  };
}
