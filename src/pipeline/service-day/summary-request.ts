import { inWindow, stepWindow } from '../../domain/service-day-due';
import { serviceDayIds } from '../../domain/service-day-ids';
import { planServiceDay, type MonthKey } from '../../domain/service-day-plan';
import { summaryRequestText } from '../../domain/service-day-text';
import type { JobOutcome, ServiceDayDeps } from './deps';

/** The evening of the day: the secretary is asked 1:1 for a one-line summary. */
export async function requestSummary(deps: ServiceDayDeps, job: { compoundCode: string; month: MonthKey; serviceDay: string }, now: Date): Promise<JobOutcome> {
  const id = serviceDayIds.summaryRequest(job.compoundCode, job.month);
  if (await deps.runs.get(id)) return 'already_done';
  const compound = await deps.compounds.byCode(job.compoundCode);
  const plan = await deps.plans.get(job.compoundCode, job.month);
  const serviceDay = planServiceDay(job.month, plan);
  if (serviceDay !== job.serviceDay) return 'moved';
  const base = { id, kind: 'summary-request' as const, compoundCode: job.compoundCode, month: job.month, step: null, serviceDay, at: now, owner: null };
  if (!compound?.active || plan?.summary) {
    await deps.runs.record({ ...base, outcome: 'skipped', note: compound?.active ? 'summary already given' : 'compound inactive or removed' });
    return 'skipped';
  }
  if (!inWindow(stepWindow('summary', serviceDay, deps.timing), now)) {
    await deps.runs.record({ ...base, outcome: 'skipped', note: 'expired' });
    return 'expired';
  }
  const activities = plan?.activities ?? [];
  const signups = await deps.signups.forActivities(activities.map((a) => a.id));
  const figures = activities.map((a) => ({
    title: a.title,
    capacity: a.capacity,
    signedUp: signups.filter((s) => s.activityId === a.id).reduce((n, s) => n + s.count, 0),
  }));
  await deps.outbound.sendToUsers(id, [compound.secretary], summaryRequestText(compound.name, serviceDay, figures));
  await deps.runs.record({ ...base, outcome: 'sent', note: null });
  return 'done';
}
