import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { compactMonth, type MonthKey, type PlanActivity, type ServicePlan } from '../domain/service-day-plan';
import { isDuplicateKeyError } from './connection';

/** An activity to add; `sourceKey` (message id + index, or the import row) makes adding it twice a no-op. */
export interface NewActivity extends Omit<PlanActivity, 'id'> {
  sourceKey: string;
}

export type PlanChange =
  | { kind: 'activity'; activity: PlanActivity; compoundCode: string; month: MonthKey }
  | { kind: 'move'; compoundCode: string; month: MonthKey; previous: string | null; at: Date };

interface PlanDoc {
  _id: string;
  compoundCode: string;
  month: MonthKey;
  movedTo: string | null;
  movedBy: string | null;
  movedAt: Date | null;
  previousMovedTo: string | null;
  summary: string | null;
  summaryBy: string | null;
  summaryAt: Date | null;
  createdAt: Date;
}

interface ActivityDoc extends Omit<PlanActivity, 'id'> {
  _id: string;
  compoundCode: string;
  month: MonthKey;
}

const planSchema = new Schema<PlanDoc>(
  {
    _id: { type: String, required: true },
    compoundCode: { type: String, required: true },
    month: { type: String, required: true },
    movedTo: { type: String, default: null },
    movedBy: { type: String, default: null },
    movedAt: { type: Date, default: null },
    previousMovedTo: { type: String, default: null },
    summary: { type: String, default: null },
    summaryBy: { type: String, default: null },
    summaryAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'service_plans', versionKey: false },
);
planSchema.index({ compoundCode: 1, month: 1 }, { unique: true });
planSchema.index({ month: 1, movedTo: 1 });
planSchema.index({ movedBy: 1, movedAt: -1 });

const activitySchema = new Schema<ActivityDoc>(
  {
    _id: { type: String, required: true },
    compoundCode: { type: String, required: true },
    month: { type: String, required: true },
    title: { type: String, required: true },
    startsAt: { type: Date, required: true },
    place: { type: String, required: true },
    bring: { type: String, default: null },
    capacity: { type: Number, default: null },
    source: { type: String, required: true },
    readBy: { type: String, default: null },
    addedBy: { type: String, default: null },
    addedAt: { type: Date, required: true },
  },
  { collection: 'service_activities', versionKey: false },
);
activitySchema.index({ compoundCode: 1, month: 1, startsAt: 1 });
activitySchema.index({ month: 1 });
activitySchema.index({ addedBy: 1, addedAt: -1 });

function activityOf(d: ActivityDoc): PlanActivity {
  return {
    id: d._id,
    title: d.title,
    startsAt: d.startsAt,
    place: d.place,
    bring: d.bring ?? null,
    capacity: d.capacity ?? null,
    source: d.source,
    readBy: d.readBy ?? null,
    addedBy: d.addedBy ?? null,
    addedAt: d.addedAt,
  };
}

export function planId(compoundCode: string, month: MonthKey): string {
  return `${compoundCode}-${compactMonth(month)}`;
}

export function activityId(compoundCode: string, month: MonthKey, sourceKey: string): string {
  return `${planId(compoundCode, month)}-${createHash('sha256').update(sourceKey).digest('hex').slice(0, 12)}`;
}

/**
 * Service-day plans: one header per compound and month (moved day, summary) and one
 * document per activity. Activities are separate documents because FerretDB 1.24 loses
 * concurrent updates to one document, and a secretary sending three lines in a row is
 * three concurrent jobs; inserts with a unique id stay exact. The header's fields are
 * each written by one kind of message at a time (moves before the day, the summary after).
 */
export class ServicePlanRepo {
  private readonly plans: Model<PlanDoc>;
  private readonly activities: Model<ActivityDoc>;
  private readonly movedToCacheMs: number;
  private readonly movedToCache = new Map<string, { at: number; movedTo: string | null }>();

  /**
   * `movedToCacheMs`: how long movedTo() answers from memory. Every resident message asks it
   * (is a sign-up window open?), moves are rare, and a move made through this repo clears its
   * own entry; one made by another process shows after at most this long.
   */
  constructor(conn: Connection, opts: { movedToCacheMs?: number } = {}) {
    this.plans = (conn.models.ServicePlan as Model<PlanDoc> | undefined) ?? conn.model<PlanDoc>('ServicePlan', planSchema);
    this.activities = (conn.models.ServiceActivity as Model<ActivityDoc> | undefined) ?? conn.model<ActivityDoc>('ServiceActivity', activitySchema);
    this.movedToCacheMs = opts.movedToCacheMs ?? 0;
  }

  async init(): Promise<void> {
    await Promise.all([this.plans.init(), this.activities.init()]);
  }

  /** null when the compound registered nothing for the month. */
  async get(compoundCode: string, month: MonthKey): Promise<ServicePlan | null> {
    const [head, acts] = await Promise.all([
      this.plans.findById(planId(compoundCode, month)).lean<PlanDoc>(),
      this.activities.find({ compoundCode, month }).sort({ startsAt: 1 }).lean<ActivityDoc[]>(),
    ]);
    if (!head && acts.length === 0) return null;
    return toPlan(compoundCode, month, head, acts);
  }

  /** The day the compound moved its service day to that month, if it did: one read by _id. */
  async movedTo(compoundCode: string, month: MonthKey): Promise<string | null> {
    const id = planId(compoundCode, month);
    const hit = this.movedToCache.get(id);
    if (hit && Date.now() - hit.at < this.movedToCacheMs) return hit.movedTo;
    const head = await this.plans.findById(id, { movedTo: 1 }).lean<Pick<PlanDoc, 'movedTo'>>();
    const movedTo = head?.movedTo ?? null;
    if (this.movedToCacheMs > 0) {
      if (this.movedToCache.size >= 50_000) this.movedToCache.clear();
      this.movedToCache.set(id, { at: Date.now(), movedTo });
    }
    return movedTo;
  }

  /** Plans of a month (of these compounds), only those with something registered. */
  async forMonth(month: MonthKey, compoundCodes?: readonly string[]): Promise<ServicePlan[]> {
    const scope = compoundCodes ? { month, compoundCode: { $in: [...compoundCodes] } } : { month };
    const [heads, acts] = await Promise.all([
      this.plans.find(scope).lean<PlanDoc[]>(),
      this.activities.find(scope).sort({ startsAt: 1 }).lean<ActivityDoc[]>(),
    ]);
    const codes = new Set([...heads.map((h) => h.compoundCode), ...acts.map((a) => a.compoundCode)]);
    return [...codes].sort().map((code) =>
      toPlan(
        code,
        month,
        heads.find((h) => h.compoundCode === code) ?? null,
        acts.filter((a) => a.compoundCode === code),
      ),
    );
  }

  /** Adds each activity once; a repeat (same sourceKey) returns the stored one. */
  async addActivities(compoundCode: string, month: MonthKey, items: readonly NewActivity[]): Promise<PlanActivity[]> {
    const out: PlanActivity[] = [];
    for (const { sourceKey, ...a } of items) {
      const _id = activityId(compoundCode, month, sourceKey);
      try {
        await this.activities.create({ _id, compoundCode, month, ...a });
        out.push({ id: _id, ...a });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const existing = await this.activities.findById(_id).lean<ActivityDoc>();
        if (existing) out.push(activityOf(existing));
      }
    }
    return out;
  }

  /** Used when the day moves: each activity keeps its clock time on the new day. */
  async setActivityStart(id: string, startsAt: Date): Promise<void> {
    await this.activities.updateOne({ _id: id }, { $set: { startsAt } });
  }

  async removeActivity(id: string): Promise<boolean> {
    const res = await this.activities.deleteOne({ _id: id });
    return res.deletedCount === 1;
  }

  /** Moves the day (null: back to the 7th); returns the previous moved day. */
  async setMovedTo(compoundCode: string, month: MonthKey, movedTo: string | null, by: string, at: Date): Promise<string | null> {
    const head = await this.ensureHeader(compoundCode, month, at);
    this.movedToCache.delete(head._id);
    await this.plans.updateOne({ _id: head._id }, { $set: { movedTo, movedBy: by, movedAt: at, previousMovedTo: head.movedTo ?? null } });
    this.movedToCache.delete(head._id);
    return head.movedTo ?? null;
  }

  /** Undo of a move: no mover is recorded, so it cannot be undone twice. */
  async restoreMovedTo(compoundCode: string, month: MonthKey, movedTo: string | null): Promise<void> {
    await this.plans.updateOne({ _id: planId(compoundCode, month) }, { $set: { movedTo, movedBy: null, movedAt: null } });
    this.movedToCache.delete(planId(compoundCode, month));
  }

  async setSummary(compoundCode: string, month: MonthKey, summary: string, by: string, at: Date): Promise<void> {
    await this.ensureHeader(compoundCode, month, at);
    await this.plans.updateOne({ _id: planId(compoundCode, month) }, { $set: { summary, summaryBy: by, summaryAt: at } });
  }

  /** Compounds of the month whose day was moved, with the day. */
  async movedDays(month: MonthKey): Promise<Map<string, string>> {
    const docs = await this.plans.find({ month, movedTo: { $ne: null } }, { compoundCode: 1, movedTo: 1 }).lean<Array<Pick<PlanDoc, 'compoundCode' | 'movedTo'>>>();
    return new Map(docs.filter((d) => d.movedTo).map((d) => [d.compoundCode, d.movedTo as string]));
  }

  async codesWithActivities(month: MonthKey): Promise<Set<string>> {
    const codes = await this.activities.distinct('compoundCode', { month });
    return new Set(codes.map(String));
  }

  /** What this user registered last since `since`: the thing "取消" undoes. */
  async lastChangeBy(userId: string, since: Date): Promise<PlanChange | null> {
    const [act, move] = await Promise.all([
      this.activities.findOne({ addedBy: userId, addedAt: { $gte: since } }).sort({ addedAt: -1 }).lean<ActivityDoc>(),
      this.plans.findOne({ movedBy: userId, movedAt: { $gte: since } }).sort({ movedAt: -1 }).lean<PlanDoc>(),
    ]);
    const moveAt = move?.movedAt ?? null;
    if (move && moveAt && (!act || moveAt > act.addedAt)) {
      return { kind: 'move', compoundCode: move.compoundCode, month: move.month, previous: move.previousMovedTo ?? null, at: moveAt };
    }
    return act ? { kind: 'activity', activity: activityOf(act), compoundCode: act.compoundCode, month: act.month } : null;
  }

  private async ensureHeader(compoundCode: string, month: MonthKey, at: Date): Promise<PlanDoc> {
    const _id = planId(compoundCode, month);
    const existing = await this.plans.findById(_id).lean<PlanDoc>();
    if (existing) return existing;
    const fresh: PlanDoc = {
      _id,
      compoundCode,
      month,
      movedTo: null,
      movedBy: null,
      movedAt: null,
      previousMovedTo: null,
      summary: null,
      summaryBy: null,
      summaryAt: null,
      createdAt: at,
    };
    try {
      await this.plans.create(fresh);
      return fresh;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return (await this.plans.findById(_id).lean<PlanDoc>()) ?? fresh;
    }
  }
}

function toPlan(compoundCode: string, month: MonthKey, head: PlanDoc | null, acts: ActivityDoc[]): ServicePlan {
  return {
    compoundCode,
    month,
    movedTo: head?.movedTo ?? null,
    activities: acts.map(activityOf).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime()),
    summary: head?.summary ?? null,
    summaryBy: head?.summaryBy ?? null,
    summaryAt: head?.summaryAt ?? null,
  };
}
