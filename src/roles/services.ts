import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { Logger } from '../log';
import { createMetrics, type Metrics } from '../http/metrics';
import { connectStore, pingStore, type Connection } from '../store/connection';
import { InboundRepo } from '../store/inbound-repo';
import { CompoundRepo } from '../store/compound-repo';
import { DeliveryRepo } from '../store/delivery-repo';
import { TicketRepo } from '../store/ticket-repo';
import { ClarificationRepo } from '../store/clarification-repo';
import { createRedis } from '../queues/redis';
import { QUEUES } from '../queues/names';
import type { IntakeJobData } from '../pipeline/intake';
import type { TimerJobData } from '../queues/triage-timers';
import { IntakeService } from '../pipeline/intake';
import { DeliveryOutbox } from '../queues/delivery-queue';
import { StreamStore } from '../channels/wecom/stream-store';
import { WeComOutbound } from '../channels/wecom/outbound';
import { OpenTicketIndex } from '../hints/open-ticket-index';
import { SenderHistory } from '../hints/sender-history';

/** Everything both roles share: connections, repositories, queues (as producers). */
export interface Services {
  conn: Connection;
  /** Fails fast when Redis is down: used on the HTTP path and for producers. */
  redis: Redis;
  inbound: InboundRepo;
  compounds: CompoundRepo;
  deliveries: DeliveryRepo;
  tickets: TicketRepo;
  /** Which tickets of a compound are open, kept in Redis for matching new reports. */
  openTickets: OpenTicketIndex;
  /** A sender's latest message ids per chat, for context. */
  senderHistory: SenderHistory;
  clarifications: ClarificationRepo;
  intakeQueue: Queue<IntakeJobData>;
  deliveryQueue: Queue;
  timersQueue: Queue<TimerJobData>;
  intake: IntakeService;
  streams: StreamStore;
  outbound: WeComOutbound;
  metrics: Metrics;
  ping: { store: () => Promise<void>; redis: () => Promise<void> };
  close(): Promise<void>;
}

export interface ServiceOptions {
  config: Pick<Config, 'MONGODB_URL' | 'REDIS_URL' | 'QUEUE_PREFIX'>;
  log: Logger;
  /** Tests give each file its own database. */
  dbName?: string;
  defaultMetrics?: boolean;
  /** The clock stores stamp records with (tests move it). */
  now?: () => Date;
}

/** Ids kept per sender and chat: more than any CONTEXT_MESSAGES setting asks for. */
const SENDER_HISTORY_KEEP = 10;

export async function openServices(opts: ServiceOptions): Promise<Services> {
  const { config, log } = opts;
  const conn = await connectStore(config.MONGODB_URL, { dbName: opts.dbName });
  conn.on('error', (err) => log.error({ err }, 'store connection error'));
  const redis = createRedis(config.REDIS_URL, 'producer');
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  await waitReady(redis);

  const prefix = config.QUEUE_PREFIX;
  const queueOpts = { connection: redis, prefix };
  const intakeQueue = new Queue<IntakeJobData>(QUEUES.intake, queueOpts);
  const deliveryQueue = new Queue(QUEUES.delivery, queueOpts);
  const timersQueue = new Queue<TimerJobData>(QUEUES.timers, queueOpts);
  for (const q of [intakeQueue, deliveryQueue, timersQueue]) q.on('error', (err) => log.warn({ queue: q.name, err: err.message }, 'queue error'));

  const inbound = new InboundRepo(conn);
  const compounds = new CompoundRepo(conn);
  const deliveries = new DeliveryRepo(conn);
  const tickets: TicketRepo = new TicketRepo(conn, { now: opts.now, onChange: (t): Promise<void> => openTickets.note(t) });
  const openTickets = new OpenTicketIndex(redis, prefix, tickets, log.child({ component: 'open-tickets' }));
  const clarifications = new ClarificationRepo(conn);
  const senderHistory = new SenderHistory(redis, prefix, SENDER_HISTORY_KEEP);
  await Promise.all([inbound.init(), tickets.init(), compounds.init(), deliveries.init()]);

  const metrics = createMetrics({ defaultMetrics: opts.defaultMetrics });
  const outbox = new DeliveryOutbox({ queue: deliveryQueue, repo: deliveries });
  return {
    conn,
    redis,
    inbound,
    compounds,
    deliveries,
    tickets,
    openTickets,
    senderHistory,
    clarifications,
    intakeQueue,
    deliveryQueue,
    timersQueue,
    intake: new IntakeService(inbound, intakeQueue, senderHistory),
    streams: new StreamStore(redis, prefix),
    outbound: new WeComOutbound(outbox),
    metrics,
    ping: {
      store: () => pingStore(conn),
      redis: async () => {
        await redis.ping();
      },
    },
    async close() {
      await Promise.allSettled([intakeQueue.close(), deliveryQueue.close(), timersQueue.close()]);
      redis.disconnect();
      await conn.close();
    },
  };
}

async function waitReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis not reachable within 5 s')), 5000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
