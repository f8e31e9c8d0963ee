import type { Compound } from '../../domain/compound';
import { dueServiceDays, duePlanReminderMonth, inWindow, ownerReminderAt, stepWindow, type DayStep } from '../../domain/service-day-due';
import { serviceDayIds } from '../../domain/service-day-ids';
import { monthOfDay, planServiceDay } from '../../domain/service-day-plan';
import type { CompoundJobSink, CompoundJobSpec, ServiceDayDeps, SweepStep } from './deps';

export interface SweepOptions {
  sink: CompoundJobSink;
  /** Jobs per addBulk call. */
  chunkSize: number;
  /** Called after each chunk is queued (tests stop a worker here). */
  afterChunk?: (index: number) => Promise<void>;
}

const DAY_STEPS: readonly DayStep[] = ['eve', 'day', 'summary'];
// Owner reminders are looked for among tasks this recent; their windows close within a day.
const OWNER_TASK_LOOKBACK_MS = 36 * 3600_000;

/**
 * One schedule step for the whole city: works out what is due now and queues one job per
 * compound, in chunks. It is idempotent: job ids are deterministic and every job checks the
 * ledger, so a sweep that runs twice, or restarts halfway, queues nothing twice. Sweeps use
 * the current time rather than the cron tick, so a late sweep (workers were down) catches up
 * on whatever is still worth sending.
 */
export async function sweep(deps: ServiceDayDeps, step: SweepStep, now: Date, opts: SweepOptions): Promise<number> {
  const specs = await jobsFor(deps, step, now);
  // Skipping what the ledger holds only saves work: each job checks it again.
  const done = await deps.runs.idsForMonths([...new Set(specs.map((s) => s.data.month))]);
  let queued = 0;
  for (let i = 0, chunk = 0; i < specs.length; i += opts.chunkSize, chunk++) {
    const slice = specs.slice(i, i + opts.chunkSize);
    const todo = slice.filter((s) => !done.has(s.id));
    if (todo.length > 0) await opts.sink.addCompoundJobs(todo);
    queued += todo.length;
    await opts.afterChunk?.(chunk);
  }
  deps.log.info({ step, due: specs.length, queued }, 'service-day sweep queued its jobs');
  return queued;
}

async function jobsFor(deps: ServiceDayDeps, step: SweepStep, now: Date): Promise<CompoundJobSpec[]> {
  if (step === 'plan-reminder') return planReminderJobs(deps, now);
  if (step === 'owner-reminders') return ownerReminderJobs(deps, now);
  const specs: CompoundJobSpec[] = [];
  for (const serviceDay of dueServiceDays(step, now, deps.timing)) {
    const month = monthOfDay(serviceDay);
    for (const c of await compoundsOn(deps, serviceDay)) {
      if (step === 'summary') {
        specs.push({ id: serviceDayIds.summaryRequest(c.code, month), name: 'summary-request', data: { compoundCode: c.code, month, serviceDay } });
      } else {
        specs.push({ id: serviceDayIds.announce(c.code, month, step), name: 'announce', data: { compoundCode: c.code, month, step, serviceDay } });
      }
    }
  }
  return specs;
}

/** Active compounds holding their service day on this day: the 7th unless moved, or moved here. */
async function compoundsOn(deps: ServiceDayDeps, serviceDay: string): Promise<Compound[]> {
  const month = monthOfDay(serviceDay);
  const usual = planServiceDay(month, null);
  const moved = await deps.plans.movedDays(month);
  const active = await deps.compounds.list({ active: true });
  return active.filter((c) => (moved.get(c.code) ?? usual) === serviceDay);
}

async function planReminderJobs(deps: ServiceDayDeps, now: Date): Promise<CompoundJobSpec[]> {
  const month = duePlanReminderMonth(now, deps.timing);
  if (!month) return [];
  const planned = await deps.plans.codesWithActivities(month);
  const active = await deps.compounds.list({ active: true });
  return active
    .filter((c) => !planned.has(c.code))
    .map((c) => ({ id: serviceDayIds.planReminder(c.code, month), name: 'plan-reminder' as const, data: { compoundCode: c.code, month } }));
}

async function ownerReminderJobs(deps: ServiceDayDeps, now: Date): Promise<CompoundJobSpec[]> {
  const tasks = await deps.runs.tasksSince(new Date(now.getTime() - OWNER_TASK_LOOKBACK_MS));
  const confirmed = await deps.runs.existing(tasks.flatMap((t) => (t.step ? [serviceDayIds.ownerConfirmed(t.compoundCode, t.month, t.step)] : [])));
  const specs: CompoundJobSpec[] = [];
  for (const t of tasks) {
    if (!t.step || !t.serviceDay || !inWindow(stepWindow(t.step, t.serviceDay, deps.timing), now)) continue;
    if (confirmed.has(serviceDayIds.ownerConfirmed(t.compoundCode, t.month, t.step))) continue;
    for (let n = 1; ; n++) {
      const at = ownerReminderAt(t.at, n, deps.timing);
      if (!at || at > now) break;
      const data = { compoundCode: t.compoundCode, month: t.month, step: t.step, serviceDay: t.serviceDay, n };
      specs.push({ id: serviceDayIds.ownerReminder(t.compoundCode, t.month, t.step, n), name: 'owner-reminder', data });
    }
  }
  return specs;
}

export const ALL_SWEEP_STEPS: readonly SweepStep[] = ['plan-reminder', ...DAY_STEPS, 'owner-reminders'];
