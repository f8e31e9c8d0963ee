import { Schema, type Connection, type Model } from 'mongoose';
import type { AnnounceStep } from '../domain/service-day-due';
import type { MonthKey } from '../domain/service-day-plan';
import { isDuplicateKeyError } from './connection';

export type RunKind = 'announce' | 'plan-reminder' | 'summary-request' | 'owner-reminder' | 'owner-confirmed';

/**
 * webhook / task: posted to the group, directly or as a group-send task; manual: the text
 * went to a person to post (no webhook, no customer chat id); sent: a 1:1 message;
 * skipped: nothing left to do (a plan arrived, the compound closed).
 */
export type RunOutcome = 'webhook' | 'task' | 'manual' | 'sent' | 'skipped' | 'confirmed';

/** One thing the service-day schedule did for one compound; its id is the job id that did it. */
export interface ServiceDayRun {
  id: string;
  kind: RunKind;
  compoundCode: string;
  month: MonthKey;
  step: AnnounceStep | null;
  serviceDay: string | null;
  outcome: RunOutcome;
  at: Date;
  /** Group-send tasks: the owner who must confirm it. */
  owner: string | null;
  note: string | null;
}

type RunDoc = Omit<ServiceDayRun, 'id'> & { _id: string };

const schema = new Schema<RunDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    compoundCode: { type: String, required: true },
    month: { type: String, required: true },
    step: { type: String, default: null },
    serviceDay: { type: String, default: null },
    outcome: { type: String, required: true },
    at: { type: Date, required: true },
    owner: { type: String, default: null },
    note: { type: String, default: null },
  },
  { collection: 'service_day_runs', versionKey: false },
);
schema.index({ month: 1, compoundCode: 1 });
schema.index({ kind: 1, outcome: 1, at: -1 });
schema.index({ owner: 1, at: -1 });

function toPlain(d: RunDoc): ServiceDayRun {
  const { _id, ...rest } = d;
  return { id: _id, ...rest, step: rest.step ?? null, serviceDay: rest.serviceDay ?? null, owner: rest.owner ?? null, note: rest.note ?? null };
}

/**
 * The ledger that makes every schedule step happen once per compound: a job first asks
 * whether its run is recorded and records it (insert-only, unique id) after acting. The
 * delivery it queued is keyed by the same id, so a job that dies between the two sends nothing twice.
 */
export class ServiceDayRunRepo {
  private readonly model: Model<RunDoc>;

  constructor(conn: Connection) {
    this.model = (conn.models.ServiceDayRun as Model<RunDoc> | undefined) ?? conn.model<RunDoc>('ServiceDayRun', schema);
  }

  async init(): Promise<void> {
    await this.model.init();
  }

  async get(id: string): Promise<ServiceDayRun | null> {
    const doc = await this.model.findById(id).lean<RunDoc>();
    return doc ? toPlain(doc) : null;
  }

  /** false when the run was already recorded (by this job's earlier try or another worker). */
  async record(run: ServiceDayRun): Promise<boolean> {
    const { id, ...rest } = run;
    try {
      await this.model.create({ _id: id, ...rest });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  /** Which of these runs are recorded. */
  async existing(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const docs = await this.model.find({ _id: { $in: [...ids] } }, { _id: 1 }).lean<Array<{ _id: string }>>();
    return new Set(docs.map((d) => d._id));
  }

  /**
   * Every ledger id of some months, in one query. A sweep asks this once instead of
   * once per chunk: on the local store (FerretDB with SQLite) each query reads the
   * whole ledger, and 26 such reads made a 13,000-compound sweep take 84 s.
   */
  async idsForMonths(months: readonly MonthKey[]): Promise<Set<string>> {
    if (months.length === 0) return new Set();
    const docs = await this.model.find({ month: { $in: [...months] } }, { _id: 1 }).lean<Array<{ _id: string }>>();
    return new Set(docs.map((d) => d._id));
  }

  /** Group-send tasks created since then, oldest first. */
  async tasksSince(since: Date, owner?: string): Promise<ServiceDayRun[]> {
    const filter: Record<string, unknown> = { kind: 'announce', outcome: 'task', at: { $gte: since } };
    if (owner !== undefined) filter.owner = owner;
    const docs = await this.model.find(filter).sort({ at: 1 }).limit(5000).lean<RunDoc[]>();
    return docs.map(toPlain);
  }

  async forMonth(month: MonthKey, compoundCodes?: readonly string[]): Promise<ServiceDayRun[]> {
    const filter: Record<string, unknown> = { month };
    if (compoundCodes) filter.compoundCode = { $in: [...compoundCodes] };
    const docs = await this.model.find(filter).sort({ at: 1 }).lean<RunDoc[]>();
    return docs.map(toPlain);
  }

  async forCompound(compoundCode: string, month: MonthKey): Promise<ServiceDayRun[]> {
    return this.forMonth(month, [compoundCode]);
  }
}
