import { Queue } from 'bullmq';
import type { Logger } from '../log';
import { DEFAULT_SLA_POLICY } from '../domain/sla';
import { WeComCardResponder } from '../channels/wecom/card-responder';
import { WeComClockMessenger } from '../channels/wecom/ticket-clock-messenger';
import { WeComTicketChangeNotifier } from '../channels/wecom/ticket-change-notifier';
import { createFixCheckInterceptor } from '../pipeline/clock/fix-check-interceptor';
import type { TimerDeps } from '../pipeline/clock/timer-deps';
import type { ClockPolicy } from '../pipeline/clock/timer-plan';
import type { Interceptor } from '../pipeline/inbound-router';
import { createRedis } from '../queues/redis';
import { QueueTicketClock, TICKET_CLOCK_QUEUE, type TicketClockJobData } from '../queues/ticket-clock-queue';
import { createTicketClockWorker } from '../queues/ticket-clock-worker';
import { FixCheckRepo } from '../store/fix-check-repo';
import type { Services } from './services';
import { loadCalendar, type Triage } from './triage';

export const DEFAULT_FIX_CHECK_DELAY_HOURS = 24;
export const DEFAULT_FIX_CHECK_AUTO_CLOSE_HOURS = 72;

export interface TicketClockConfig {
  REDIS_URL: string;
  QUEUE_PREFIX: string;
  CALENDAR_OVERRIDES_PATH?: string;
  FIX_CHECK_DELAY_HOURS?: number;
  FIX_CHECK_AUTO_CLOSE_HOURS?: number;
}

export interface TicketClockKit {
  clock: QueueTicketClock;
  queue: Queue<TicketClockJobData>;
  fixChecks: FixCheckRepo;
  policy: ClockPolicy;
}

/** The producer half (the clock every ticket change syncs); build it before buildTriage, which takes the clock. */
export async function buildTicketClock(services: Pick<Services, 'redis' | 'conn'>, config: TicketClockConfig, log: Logger, now: () => Date): Promise<TicketClockKit> {
  const prefix = config.QUEUE_PREFIX;
  const queue = new Queue<TicketClockJobData>(TICKET_CLOCK_QUEUE, { connection: services.redis, prefix });
  queue.on('error', (err) => log.warn({ queue: TICKET_CLOCK_QUEUE, err: err.message }, 'queue error'));
  const fixChecks = new FixCheckRepo(services.conn);
  await fixChecks.init();
  const policy: ClockPolicy = {
    sla: DEFAULT_SLA_POLICY,
    calendar: loadCalendar(config.CALENDAR_OVERRIDES_PATH),
    fixCheckDelayMs: (config.FIX_CHECK_DELAY_HOURS ?? DEFAULT_FIX_CHECK_DELAY_HOURS) * 3600_000,
    autoCloseDelayMs: (config.FIX_CHECK_AUTO_CLOSE_HOURS ?? DEFAULT_FIX_CHECK_AUTO_CLOSE_HOURS) * 3600_000,
  };
  return { queue, fixChecks, policy, clock: new QueueTicketClock({ queue, redis: services.redis, prefix, policy, now }) };
}

export interface TicketClockRole {
  /** For the router's residents, staffFirst and cards lists. */
  fixCheck: Interceptor;
  close(): Promise<void>;
}

/** The worker half: runs the timers and takes residents' fix-check answers. */
export function startTicketClock(
  services: Pick<Services, 'tickets' | 'compounds' | 'outbound'>,
  config: TicketClockConfig,
  kit: TicketClockKit,
  triage: Pick<Triage, 'group' | 'notifier'>,
  log: Logger,
  now: () => Date,
  opts: { concurrency?: number } = {},
): TicketClockRole {
  const deps: TimerDeps = {
    tickets: services.tickets,
    compounds: services.compounds,
    fixChecks: kit.fixChecks,
    notifier: new WeComTicketChangeNotifier({ outbound: services.outbound, group: triage.group, staff: triage.notifier }),
    messenger: new WeComClockMessenger(services.outbound, triage.notifier),
    clock: kit.clock,
    policy: kit.policy,
    log: log.child({ component: 'ticket-clock' }),
    now,
  };
  const connection = createRedis(config.REDIS_URL, 'worker');
  const worker = createTicketClockWorker({ connection, prefix: config.QUEUE_PREFIX, deps, log: deps.log, concurrency: opts.concurrency });
  return {
    fixCheck: createFixCheckInterceptor({ ...deps, cards: new WeComCardResponder(services.outbound) }),
    async close() {
      // Worker.close waits for the timers in progress.
      await worker.close();
      connection.disconnect();
      await kit.queue.close();
    },
  };
}
