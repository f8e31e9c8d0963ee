import { Schema, type Connection, type Model } from 'mongoose';
import type { PlanSignup } from '../domain/service-day-plan';
import { isDuplicateKeyError } from './connection';

export interface SignupRequest {
  activityId: string;
  /** null: no limit. */
  capacity: number | null;
  userId: string;
  count: number;
  /** The resident's message: the same message twice signs up once. */
  messageId: string;
  at: Date;
}

export type SignupOutcome =
  | { kind: 'confirmed'; count: number; remaining: number | null }
  /** This user already holds a sign-up made by another message. */
  | { kind: 'already'; count: number }
  | { kind: 'full'; remaining: number };

interface SignupDoc {
  _id: string;
  activityId: string;
  userId: string;
  count: number;
  messageId: string;
  at: Date;
  status: 'holding' | 'confirmed';
}

interface SeatDoc {
  _id: string;
  activityId: string;
  signupId: string;
}

const signupSchema = new Schema<SignupDoc>(
  {
    _id: { type: String, required: true },
    activityId: { type: String, required: true },
    userId: { type: String, required: true },
    count: { type: Number, required: true },
    messageId: { type: String, required: true },
    at: { type: Date, required: true },
    status: { type: String, required: true, enum: ['holding', 'confirmed'] },
  },
  { collection: 'service_signups', versionKey: false },
);
signupSchema.index({ activityId: 1, status: 1 });

const seatSchema = new Schema<SeatDoc>(
  { _id: { type: String, required: true }, activityId: { type: String, required: true }, signupId: { type: String, required: true } },
  { collection: 'service_seats', versionKey: false },
);
seatSchema.index({ activityId: 1 });
seatSchema.index({ signupId: 1 });

// Each round either takes seats or learns they were taken, so this only bounds a storm.
const MAX_ROUNDS = 50;
/** A hold left by a job that died between its two writes is released after this. */
const STALE_HOLD_MS = 10 * 60_000;

const signupKey = (activityId: string, userId: string) => `${activityId}~${userId}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoffMs = (round: number) => Math.round(5 + Math.random() * Math.min(200, 10 * 2 ** round));

function shuffle<T>(list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Sign-ups against a capacity. Capacity is a set of numbered seats, one document each with
 * a unique id: two workers cannot both insert seat 30, so nobody is overbooked. A counter
 * with a conditional $inc would be simpler on MongoDB, but FerretDB 1.24 loses concurrent
 * updates to one document while still reporting them as applied.
 */
export class ServiceSignupRepo {
  private readonly signups: Model<SignupDoc>;
  private readonly seats: Model<SeatDoc>;

  constructor(conn: Connection) {
    this.signups = (conn.models.ServiceSignup as Model<SignupDoc> | undefined) ?? conn.model<SignupDoc>('ServiceSignup', signupSchema);
    this.seats = (conn.models.ServiceSeat as Model<SeatDoc> | undefined) ?? conn.model<SeatDoc>('ServiceSeat', seatSchema);
  }

  async init(): Promise<void> {
    await Promise.all([this.signups.init(), this.seats.init()]);
  }

  /** One sign-up per resident and activity; idempotent per message. */
  async signUp(r: SignupRequest): Promise<SignupOutcome> {
    const id = signupKey(r.activityId, r.userId);
    for (let round = 0; round < 3; round++) {
      const existing = await this.signups.findById(id).lean<SignupDoc>();
      if (existing) {
        const resumable = existing.messageId === r.messageId;
        const stale = existing.status === 'holding' && r.at.getTime() - existing.at.getTime() > STALE_HOLD_MS;
        if (!resumable && !stale) return { kind: 'already', count: existing.count };
        if (stale && !resumable) {
          await this.release(id);
          continue;
        }
        if (existing.status === 'confirmed') return { kind: 'confirmed', count: existing.count, remaining: await this.remaining(r.activityId, r.capacity) };
        return this.hold(id, { ...r, count: existing.count });
      }
      try {
        await this.signups.create({ _id: id, activityId: r.activityId, userId: r.userId, count: r.count, messageId: r.messageId, at: r.at, status: 'holding' });
      } catch (err) {
        if (isDuplicateKeyError(err)) continue;
        throw err;
      }
      return this.hold(id, r);
    }
    throw new Error(`sign-up ${id} kept changing under us`);
  }

  /** Removes this resident's sign-up and frees its seats; returns how many people it held. */
  async cancel(activityId: string, userId: string): Promise<number> {
    const id = signupKey(activityId, userId);
    const existing = await this.signups.findById(id).lean<SignupDoc>();
    if (!existing) return 0;
    await this.release(id);
    return existing.count;
  }

  async forActivities(activityIds: readonly string[]): Promise<PlanSignup[]> {
    if (activityIds.length === 0) return [];
    const docs = await this.signups.find({ activityId: { $in: [...activityIds] }, status: 'confirmed' }).sort({ at: 1 }).lean<SignupDoc[]>();
    return docs.map((d) => ({ activityId: d.activityId, userId: d.userId, count: d.count, at: d.at, messageId: d.messageId }));
  }

  /** Seats taken per activity; activities without a limit have none. */
  async seatsTaken(activityIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>(activityIds.map((id) => [id, 0]));
    if (activityIds.length === 0) return out;
    const seats = await this.seats.find({ activityId: { $in: [...activityIds] } }, { activityId: 1 }).lean<Array<Pick<SeatDoc, 'activityId'>>>();
    for (const s of seats) out.set(s.activityId, (out.get(s.activityId) ?? 0) + 1);
    return out;
  }

  async remaining(activityId: string, capacity: number | null): Promise<number | null> {
    if (capacity === null) return null;
    return Math.max(0, capacity - (await this.seats.countDocuments({ activityId })));
  }

  private async hold(id: string, r: SignupRequest): Promise<SignupOutcome> {
    if (r.capacity === null) return this.confirm(id, r.count, null);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const seats = await this.seats.find({ activityId: r.activityId }, { signupId: 1 }).lean<Array<Pick<SeatDoc, '_id' | 'signupId'>>>();
      const mine = seats.filter((s) => s.signupId === id);
      if (mine.length > r.count) await this.trim(mine, r.count);
      if (mine.length >= r.count) return this.confirm(id, r.count, Math.max(0, r.capacity - seats.length + (mine.length - r.count)));
      const takenNumbers = new Set(seats.map((s) => Number(s._id.slice(s._id.lastIndexOf('#') + 1))));
      const free: number[] = [];
      for (let n = 1; n <= r.capacity; n++) if (!takenNumbers.has(n)) free.push(n);
      const need = r.count - mine.length;
      if (free.length < need) {
        if (await this.othersHalfSeated(seats, id, r.at)) {
          // Their seats may come free: step back (two half-seated families must not wait on each other) and look again.
          await this.seats.deleteMany({ signupId: id });
          await sleep(backoffMs(round));
          continue;
        }
        await this.release(id);
        return { kind: 'full', remaining: free.length + mine.length };
      }
      // Random free seats: families arriving together rarely reach for the same one.
      for (const n of shuffle(free).slice(0, need)) {
        try {
          await this.seats.create({ _id: `${r.activityId}#${n}`, activityId: r.activityId, signupId: id });
        } catch (err) {
          // Someone took this seat a moment ago: re-read and try the next free ones.
          if (!isDuplicateKeyError(err)) throw err;
          break;
        }
      }
    }
    // Still contended: the job fails and is retried, which holds nothing meanwhile.
    await this.seats.deleteMany({ signupId: id });
    throw new Error(`could not seat sign-up ${id} in ${MAX_ROUNDS} rounds`);
  }

  /**
   * The same message seated twice at once (a retried job overlapping its first run) can take
   * a seat too many. Both runs drop the highest-numbered seats beyond the count, so they agree
   * on which to drop and never go below it.
   */
  private async trim(mine: ReadonlyArray<Pick<SeatDoc, '_id'>>, count: number): Promise<void> {
    const seatNo = (s: Pick<SeatDoc, '_id'>) => Number(s._id.slice(s._id.lastIndexOf('#') + 1));
    const surplus = [...mine].sort((a, b) => seatNo(a) - seatNo(b)).slice(count);
    await this.seats.deleteMany({ _id: { $in: surplus.map((s) => s._id) } });
  }

  /** Whether seats are held by other sign-ups still being seated (a hold older than STALE_HOLD_MS counts as taken). */
  private async othersHalfSeated(seats: ReadonlyArray<Pick<SeatDoc, 'signupId'>>, id: string, at: Date): Promise<boolean> {
    const others = [...new Set(seats.map((s) => s.signupId))].filter((s) => s !== id);
    if (others.length === 0) return false;
    const fresh = new Date(at.getTime() - STALE_HOLD_MS);
    return (await this.signups.countDocuments({ _id: { $in: others }, status: 'holding', at: { $gt: fresh } })) > 0;
  }

  private async confirm(id: string, count: number, remaining: number | null): Promise<SignupOutcome> {
    await this.signups.updateOne({ _id: id }, { $set: { status: 'confirmed' } });
    return { kind: 'confirmed', count, remaining };
  }

  private async release(id: string): Promise<void> {
    await this.seats.deleteMany({ signupId: id });
    await this.signups.deleteOne({ _id: id });
  }
}
