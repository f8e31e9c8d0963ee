import { inboundIdFor } from '../../src/channels/wecom/ids';
import { compoundSchema, type Compound } from '../../src/domain/compound';
import { createInboundRouter } from '../../src/pipeline/inbound-router';
import { buildServiceDay, type ServiceDay, type ServiceDayWorker, type ServiceDayWorkerOptions } from '../../src/queues/service-day-runtime';
import { buildStaff, buildStaffReader } from '../../src/roles/staff';
import { buildTriage } from '../../src/roles/triage';
import type { StoredInbound } from '../../src/store/inbound-repo';
import { eventually, startHarness, type Harness } from './harness';

/** A compound of the test city, through the registry's own schema; every id and key is fake. */
export function testCompound(code: string, over: Record<string, unknown> = {}): Compound {
  const digits = code.replace(/\D/g, '').padStart(4, '0');
  return compoundSchema.parse({
    code,
    name: `测试${code}小区`,
    street: '测试街道',
    groupKind: 'internal',
    chatId: `wrkFAKE${code}a`,
    pushWebhookKey: `0000${digits}-fake-4000-8000-00000000${digits}`,
    secretary: `sec.${code.toLowerCase()}`,
    ...over,
  });
}

/**
 * The app as worker.ts will wire it: triage and the staff loop behind the service-day
 * interceptors, plus the service-day worker, all on one movable clock.
 */
export class ServiceDayDriver {
  clock: Date;
  readonly workers: ServiceDayWorker[] = [];
  private seq = 0;

  private constructor(
    readonly h: Harness,
    readonly sd: ServiceDay,
    start: Date,
  ) {
    this.clock = start;
  }

  static async start(label: string, start: Date, compounds: Compound[]): Promise<ServiceDayDriver> {
    const box: { d?: ServiceDayDriver } = {};
    const now = () => box.d?.clock ?? start;
    // This driver runs its own service-day workers; worker.ts must not start another on the same queue.
    const h = await startHarness({ label, now, env: { SERVICE_DAY_WORKER: 'off' } });
    for (const c of compounds) await h.services.compounds.upsert(c);
    const sd = await buildServiceDay(h.services, h.config, h.log, { now });
    const d = new ServiceDayDriver(h, sd, start);
    box.d = d;
    const triage = buildTriage(h.services, h.config, h.log, now);
    const staff = buildStaff(h.services, triage, buildStaffReader(h.config, h.log));
    await h.startWorkers({ handler: createInboundRouter({ triage: triage.handler, staff, residents: [sd.residentSignup], staffFirst: [sd.staffPlan] }) });
    return d;
  }

  at(d: Date): void {
    this.clock = d;
  }

  async startWorker(opts: ServiceDayWorkerOptions = {}): Promise<ServiceDayWorker> {
    // BullMQ throttles stalled checks city-wide by the last worker's interval: keep them all short.
    const w = await this.sd.startWorker({ fanOutChunk: 4, stalledInterval: 500, ...opts });
    this.workers.push(w);
    return w;
  }

  async stopWorkers(): Promise<void> {
    while (this.workers.length > 0) await this.workers.pop()?.close();
  }

  /** Until no service-day job waits or runs and every queued message has been delivered. */
  async settle(timeoutMs = 20_000): Promise<void> {
    await eventually(
      async () => {
        const sd = await this.sd.queue.getJobCounts('waiting', 'active', 'prioritized', 'paused');
        const dl = await this.h.services.deliveryQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(sd).every((n) => n === 0) && Object.values(dl).every((n) => n === 0);
      },
      timeoutMs,
      'service-day and delivery queues idle',
    );
  }

  async staffSays(from: string, content: string): Promise<StoredInbound> {
    const msgId = String(7_000_000_000_000_000_000n + BigInt(++this.seq));
    expect((await this.h.sim.post(this.h.sim.appText({ msgId, from, content, createTime: Math.floor(this.clock.getTime() / 1000) }))).status).toBe(200);
    return this.handled(inboundIdFor('wecom_app', msgId));
  }

  /** Posts into a residents' group (AI bot @-mention); resolves once the pipeline handled it. */
  async residentSays(chatid: string, userid: string, text: string): Promise<StoredInbound> {
    const msgid = `sd-${++this.seq}`;
    expect((await this.h.sim.post(this.h.sim.aibotText({ msgid, chatid, userid, text }))).status).toBe(200);
    return this.handled(inboundIdFor('wecom_aibot', msgid));
  }

  async handled(inboundId: string): Promise<StoredInbound> {
    return eventually(
      async () => {
        const m = await this.h.services.inbound.get(inboundId);
        return m?.status === 'done' ? m : undefined;
      },
      20_000,
      `message ${inboundId} handled`,
    );
  }

  /** Successful 1:1 app messages to this user. */
  sentTo(user: string): string[] {
    return this.h.fake
      .callsTo('message/send')
      .filter((c) => c.response && 'errcode' in c.response && c.response.errcode === 0)
      .filter((c) => (c.body as { touser?: string }).touser?.split('|').includes(user))
      .map((c) => JSON.stringify(c.body));
  }

  /** Successful webhook posts with this key. */
  webhookPosts(key: string): string[] {
    return this.h.fake
      .callsTo('webhook/send')
      .filter((c) => c.query.key === key && 'errcode' in c.response && c.response.errcode === 0)
      .map((c) => JSON.stringify(c.body));
  }

  groupTasks(sender: string): Array<{ chat_id_list: string[]; text: { content: string } }> {
    return this.h.fake
      .callsTo('externalcontact/add_msg_template')
      .filter((c) => (c.body as { sender?: string }).sender === sender)
      .map((c) => c.body as { chat_id_list: string[]; text: { content: string } });
  }

  async close(): Promise<void> {
    await this.stopWorkers();
    await this.sd.queue.obliterate({ force: true }).catch(() => undefined);
    await this.sd.close();
    await this.h.close();
  }
}
