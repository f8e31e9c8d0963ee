import { inWindow, planReminderWindow } from '../../domain/service-day-due';
import { serviceDayIds } from '../../domain/service-day-ids';
import { planServiceDay, type MonthKey } from '../../domain/service-day-plan';
import { planReminderText } from '../../domain/service-day-text';
import type { JobOutcome, ServiceDayDeps } from './deps';

/** Reminds a secretary whose compound has no activity registered for the month. */
export async function remindPlan(deps: ServiceDayDeps, job: { compoundCode: string; month: MonthKey }, now: Date): Promise<JobOutcome> {
  const id = serviceDayIds.planReminder(job.compoundCode, job.month);
  if (await deps.runs.get(id)) return 'already_done';
  const compound = await deps.compounds.byCode(job.compoundCode);
  const plan = await deps.plans.get(job.compoundCode, job.month);
  const serviceDay = planServiceDay(job.month, plan);
  const base = { id, kind: 'plan-reminder' as const, compoundCode: job.compoundCode, month: job.month, step: null, serviceDay, at: now, owner: null };
  if (!compound?.active || (plan?.activities.length ?? 0) > 0) {
    await deps.runs.record({ ...base, outcome: 'skipped', note: compound?.active ? 'plan registered' : 'compound inactive or removed' });
    return 'skipped';
  }
  if (!inWindow(planReminderWindow(job.month, deps.timing), now)) {
    await deps.runs.record({ ...base, outcome: 'skipped', note: 'expired' });
    return 'expired';
  }
  await deps.outbound.sendToUsers(id, [compound.secretary], planReminderText(compound.name, serviceDay, deps.calendar.describe(serviceDay).holidayName));
  await deps.runs.record({ ...base, outcome: 'sent', note: null });
  return 'done';
}
