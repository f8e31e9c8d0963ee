import type { Compound } from '../../domain/compound';
import { inWindow, stepWindow, type AnnounceStep } from '../../domain/service-day-due';
import { serviceDayIds } from '../../domain/service-day-ids';
import { planServiceDay, type MonthKey } from '../../domain/service-day-plan';
import { announcementMarkdown, announcementText, manualPostText, type AnnouncementInput } from '../../domain/service-day-text';
import type { RunOutcome } from '../../store/service-day-run-repo';
import type { JobOutcome, ServiceDayDeps } from './deps';

export interface AnnounceJob {
  compoundCode: string;
  month: MonthKey;
  step: AnnounceStep;
  serviceDay: string;
}

/**
 * The eve or morning announcement of one compound. Re-reads everything: the plan may have
 * moved the day since the sweep (the new day's sweep announces it then), the compound may
 * have closed, and a job that ran too late is recorded as expired instead of sent.
 */
export async function announce(deps: ServiceDayDeps, job: AnnounceJob, now: Date): Promise<JobOutcome> {
  const id = serviceDayIds.announce(job.compoundCode, job.month, job.step);
  if (await deps.runs.get(id)) return 'already_done';
  const compound = await deps.compounds.byCode(job.compoundCode);
  const plan = await deps.plans.get(job.compoundCode, job.month);
  const serviceDay = planServiceDay(job.month, plan);
  if (serviceDay !== job.serviceDay) return 'moved';
  const base = { id, kind: 'announce' as const, compoundCode: job.compoundCode, month: job.month, step: job.step, serviceDay, at: now, owner: null };
  if (!compound?.active) {
    await deps.runs.record({ ...base, outcome: 'skipped', note: 'compound inactive or removed' });
    return 'skipped';
  }
  const activities = plan?.activities ?? [];
  if (!inWindow(stepWindow(job.step, serviceDay, deps.timing, activities.at(-1)?.startsAt ?? null), now)) {
    deps.log.warn({ compound: compound.code, step: job.step, serviceDay }, 'service-day announcement too late to send; recorded as expired');
    await deps.runs.record({ ...base, outcome: 'skipped', note: 'expired' });
    return 'expired';
  }
  const input: AnnouncementInput = {
    compoundName: compound.name,
    serviceDay,
    step: job.step,
    activities,
    holidayName: deps.calendar.describe(serviceDay).holidayName,
    repliesInGroup: compound.groupKind === 'internal' && compound.chatId !== null,
  };
  const sent = await post(deps, compound, id, input);
  await deps.runs.record({ ...base, outcome: sent.outcome, owner: sent.owner, note: null });
  deps.log.info({ compound: compound.code, step: job.step, serviceDay, outcome: sent.outcome }, 'service-day announcement queued');
  return 'done';
}

async function post(deps: ServiceDayDeps, c: Compound, key: string, input: AnnouncementInput): Promise<{ outcome: RunOutcome; owner: string | null }> {
  if (c.groupKind === 'internal' && c.pushWebhookKey) {
    await deps.outbound.postToGroupWebhook(key, c.pushWebhookKey, { markdown: announcementMarkdown(input) });
    return { outcome: 'webhook', owner: null };
  }
  if (c.groupKind === 'customer' && c.groupOwner && c.chatId) {
    await deps.outbound.createCustomerGroupTask(key, c.groupOwner, [c.chatId], announcementText(input));
    return { outcome: 'task', owner: c.groupOwner };
  }
  // The bot cannot reach this group: a person who can gets the text, and the run says so.
  const person = c.groupKind === 'customer' ? (c.groupOwner ?? c.secretary) : c.secretary;
  await deps.outbound.sendToUsers(key, [person], manualPostText(c.name, c.groupKind === 'customer' ? 'no_chat_id' : 'no_webhook', announcementText(input)));
  deps.log.warn({ compound: c.code, groupKind: c.groupKind }, 'service-day announcement sent to a person to post: the bot cannot reach the group');
  return { outcome: 'manual', owner: null };
}
