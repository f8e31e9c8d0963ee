import { isMonthKey, planServiceDay, type MonthKey } from '../../domain/service-day-plan';
import type { RunOutcome } from '../../store/service-day-run-repo';
import type { ServiceDayStores } from './deps';

export interface ActivityFigures {
  title: string;
  startsAt: Date;
  place: string;
  capacity: number | null;
  /** People signed up (a family of three counts three). */
  signedUp: number;
}

/** One compound's service day in a month, for the monthly report. */
export interface ServiceDayFigures {
  compoundCode: string;
  compoundName: string;
  month: MonthKey;
  serviceDay: string;
  moved: boolean;
  activities: ActivityFigures[];
  signups: number;
  /** Sum of the limited activities' capacities; null when none is limited. */
  capacity: number | null;
  summary: string | null;
  announced: { eve: RunOutcome | null; day: RunOutcome | null };
  planReminded: boolean;
}

export type ServiceDayFiguresFn = (month: MonthKey, opts?: { compoundCodes?: readonly string[] }) => Promise<ServiceDayFigures[]>;

/**
 * Per compound: planned activities, sign-ups against capacity, the secretary's summary and
 * what the schedule sent. Without `compoundCodes`: every active compound plus any with a plan.
 */
export function createServiceDayFigures(stores: ServiceDayStores): ServiceDayFiguresFn {
  return async (month, opts = {}) => {
    if (!isMonthKey(month)) throw new RangeError(`not a YYYY-MM month: ${JSON.stringify(month)}`);
    const plans = await stores.plans.forMonth(month, opts.compoundCodes);
    const codes = new Set(opts.compoundCodes ?? [...(await stores.compounds.list({ active: true })).map((c) => c.code), ...plans.map((p) => p.compoundCode)]);
    const runs = await stores.runs.forMonth(month, [...codes]);
    const signups = await stores.signups.forActivities(plans.flatMap((p) => p.activities.map((a) => a.id)));
    const out: ServiceDayFigures[] = [];
    for (const code of [...codes].sort()) {
      const plan = plans.find((p) => p.compoundCode === code) ?? null;
      const compound = await stores.compounds.byCode(code);
      const activities = (plan?.activities ?? []).map((a) => ({
        title: a.title,
        startsAt: a.startsAt,
        place: a.place,
        capacity: a.capacity,
        signedUp: signups.filter((s) => s.activityId === a.id).reduce((n, s) => n + s.count, 0),
      }));
      const limited = activities.filter((a) => a.capacity !== null);
      const announced = (step: 'eve' | 'day') => runs.find((r) => r.compoundCode === code && r.kind === 'announce' && r.step === step)?.outcome ?? null;
      out.push({
        compoundCode: code,
        compoundName: compound?.name ?? code,
        month,
        serviceDay: planServiceDay(month, plan),
        moved: plan?.movedTo != null,
        activities,
        signups: activities.reduce((n, a) => n + a.signedUp, 0),
        capacity: limited.length ? limited.reduce((n, a) => n + (a.capacity ?? 0), 0) : null,
        summary: plan?.summary ?? null,
        announced: { eve: announced('eve'), day: announced('day') },
        planReminded: runs.some((r) => r.compoundCode === code && r.kind === 'plan-reminder' && r.outcome === 'sent'),
      });
    }
    return out;
  };
}
