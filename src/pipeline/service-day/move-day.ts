import { planServiceDay, type MonthKey, type ServicePlan } from '../../domain/service-day-plan';
import { parseDayKey, shanghaiDate, shanghaiDayKey, toShanghaiParts } from '../../domain/shanghai-time';
import type { ServicePlanRepo } from '../../store/service-day-plan-repo';

/**
 * Moves a compound's service day inside its month (null: back to the 7th). Activities
 * registered for the old day keep their clock time on the new one, so the announcements,
 * the sign-up window and the summary request all follow.
 */
export async function moveServiceDay(
  plans: ServicePlanRepo,
  compoundCode: string,
  month: MonthKey,
  day: string | null,
  by: string,
  at: Date,
): Promise<{ from: string; to: string }> {
  const plan = await plans.get(compoundCode, month);
  const from = planServiceDay(month, plan);
  const usual = planServiceDay(month, null);
  const to = day ?? usual;
  planServiceDay(month, { movedTo: to });
  // A repeated message must not overwrite the day to undo with the day itself.
  if (from === to) return { from, to };
  await plans.setMovedTo(compoundCode, month, to === usual ? null : to, by, at);
  await shiftActivities(plans, plan, from, to);
  return { from, to };
}

/** Undoes a move: the previous moved day (or the 7th) comes back with the activities. */
export async function undoMove(plans: ServicePlanRepo, compoundCode: string, month: MonthKey, previous: string | null): Promise<string> {
  const plan = await plans.get(compoundCode, month);
  const from = planServiceDay(month, plan);
  const to = planServiceDay(month, { movedTo: previous });
  await plans.restoreMovedTo(compoundCode, month, previous);
  await shiftActivities(plans, plan, from, to);
  return to;
}

async function shiftActivities(plans: ServicePlanRepo, plan: ServicePlan | null, from: string, to: string): Promise<void> {
  if (!plan || from === to) return;
  const target = parseDayKey(to);
  for (const a of plan.activities) {
    if (shanghaiDayKey(a.startsAt) !== from) continue;
    const t = toShanghaiParts(a.startsAt);
    await plans.setActivityStart(a.id, shanghaiDate(target.year, target.month, target.day, t.hour, t.minute));
  }
}
