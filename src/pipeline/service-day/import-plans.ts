import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isMonthKey, planServiceDay, type MonthKey } from '../../domain/service-day-plan';
import { parseDayKey, shanghaiDate } from '../../domain/shanghai-time';
import { activityId, type NewActivity } from '../../store/service-day-plan-repo';
import type { ServiceDayStores } from './deps';
import { moveServiceDay } from './move-day';

const activitySchema = z.strictObject({
  time: z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
  place: z.string().trim().min(1, 'is required').max(30, 'at most 30 characters'),
  title: z.string().trim().min(1, 'is required').max(30, 'at most 30 characters'),
  bring: z.string().trim().max(20, 'at most 20 characters').nullish(),
  capacity: z.number().int().min(1).max(10000).nullish(),
});

const fileSchema = z.strictObject({
  month: z.string().refine(isMonthKey, 'must be YYYY-MM'),
  plans: z.array(
    z.strictObject({
      compound: z.string().trim().min(1, 'is required'),
      /** A day in the month; null moves the day back to the 7th. */
      movedTo: z.string().nullish(),
      activities: z.array(activitySchema).default([]),
    }),
  ),
});

export interface PlanImportReport {
  month: MonthKey | null;
  added: number;
  unchanged: number;
  moved: number;
  /** Rejected plans (and file-level problems, index -1); none of them was written. */
  rejected: Array<{ index: number; compound: string | null; problems: string[] }>;
}

/**
 * Loads service-day plans an operator prepared (YAML or JSON):
 *   month: 2025-10
 *   plans:
 *     - compound: YX0315
 *       movedTo: 2025-10-08        # optional
 *       activities:
 *         - { time: "09:00", place: 南门广场, title: 义诊, capacity: 30, bring: 医保卡 }
 * Activities fall on the plan's service day. Importing the same file twice adds nothing;
 * activities registered by chat stay. Good plans are written even when others are bad.
 */
export async function importServicePlans(stores: Pick<ServiceDayStores, 'plans' | 'compounds'>, text: string, now: Date, opts: { dryRun?: boolean } = {}): Promise<PlanImportReport> {
  const report: PlanImportReport = { month: null, added: 0, unchanged: 0, moved: 0, rejected: [] };
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    report.rejected.push({ index: -1, compound: null, problems: [`not YAML or JSON: ${(err as Error).message}`] });
    return report;
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    report.rejected.push({ index: -1, compound: null, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`) });
    return report;
  }
  const { month, plans } = parsed.data;
  report.month = month;
  for (const [index, p] of plans.entries()) {
    const problems: string[] = [];
    const compound = await stores.compounds.byCode(p.compound);
    if (!compound) problems.push(`compound ${p.compound} is not registered`);
    let serviceDay = '';
    try {
      serviceDay = p.movedTo === undefined ? planServiceDay(month, await stores.plans.get(p.compound, month)) : planServiceDay(month, { movedTo: p.movedTo });
    } catch (err) {
      problems.push(`movedTo: ${(err as Error).message}`);
    }
    if (problems.length > 0 || !compound) {
      report.rejected.push({ index, compound: p.compound, problems });
      continue;
    }
    const { year, month: m, day } = parseDayKey(serviceDay);
    const items: NewActivity[] = p.activities.map((a) => {
      const [h, min] = a.time.split(':').map(Number) as [number, number];
      return {
        sourceKey: `import:${a.time}:${a.title}:${a.place}`,
        title: a.title,
        place: a.place,
        bring: a.bring ?? null,
        capacity: a.capacity ?? null,
        startsAt: shanghaiDate(year, m, day, h, min),
        source: 'import',
        readBy: null,
        addedBy: null,
        addedAt: now,
      };
    });
    const before = new Set((await stores.plans.get(compound.code, month))?.activities.map((a) => a.id) ?? []);
    const fresh = items.filter((i) => !before.has(activityId(compound.code, month, i.sourceKey))).length;
    report.added += fresh;
    report.unchanged += items.length - fresh;
    if (opts.dryRun) continue;
    if (p.movedTo !== undefined) {
      const moved = await moveServiceDay(stores.plans, compound.code, month, p.movedTo, 'import', now);
      if (moved.from !== moved.to) report.moved += 1;
    }
    await stores.plans.addActivities(compound.code, month, items);
  }
  return report;
}

/** "month 2025-10: added 3, unchanged 0, moved 1, rejected 1" then one line per rejected plan. */
export function formatPlanImportReport(r: PlanImportReport): string {
  const head = `month ${r.month ?? '?'}: added ${r.added}, unchanged ${r.unchanged}, moved ${r.moved}, rejected ${r.rejected.length}`;
  return [head, ...r.rejected.map((x) => `${x.index < 0 ? 'file' : `plan ${x.index + 1}`}${x.compound ? ` (${x.compound})` : ''}: ${x.problems.join('; ')}`)].join('\n');
}
