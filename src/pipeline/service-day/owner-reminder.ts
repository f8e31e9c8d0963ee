import { inWindow, stepWindow, type AnnounceStep } from '../../domain/service-day-due';
import { serviceDayIds } from '../../domain/service-day-ids';
import type { MonthKey } from '../../domain/service-day-plan';
import { ownerReminderText } from '../../domain/service-day-text';
import type { JobOutcome, ServiceDayDeps } from './deps';

export interface OwnerReminderJob {
  compoundCode: string;
  month: MonthKey;
  step: AnnounceStep;
  serviceDay: string;
  n: number;
}

/**
 * We cannot see whether the owner confirmed a group-send task, so the owner is reminded on
 * a fixed schedule until they say "已群发" or the announcement's window closes.
 */
export async function remindOwner(deps: ServiceDayDeps, job: OwnerReminderJob, now: Date): Promise<JobOutcome> {
  const id = serviceDayIds.ownerReminder(job.compoundCode, job.month, job.step, job.n);
  if (await deps.runs.get(id)) return 'already_done';
  const task = await deps.runs.get(serviceDayIds.announce(job.compoundCode, job.month, job.step));
  const base = { id, kind: 'owner-reminder' as const, compoundCode: job.compoundCode, month: job.month, step: job.step, serviceDay: job.serviceDay, at: now, owner: task?.owner ?? null };
  if (!task?.owner || task.outcome !== 'task') return 'skipped';
  if (await deps.runs.get(serviceDayIds.ownerConfirmed(job.compoundCode, job.month, job.step))) {
    await deps.runs.record({ ...base, outcome: 'skipped', note: 'owner confirmed' });
    return 'skipped';
  }
  if (!inWindow(stepWindow(job.step, job.serviceDay, deps.timing), now)) {
    await deps.runs.record({ ...base, outcome: 'skipped', note: 'expired' });
    return 'expired';
  }
  const compound = await deps.compounds.byCode(job.compoundCode);
  await deps.outbound.sendToUsers(id, [task.owner], ownerReminderText(compound?.name ?? job.compoundCode, job.serviceDay, job.step));
  await deps.runs.record({ ...base, outcome: 'sent', note: null });
  return 'done';
}
