import type { Logger } from '../../log';
import type { Compound } from '../../domain/compound';
import type { AnnounceStep, ServiceDayTiming } from '../../domain/service-day-due';
import type { MonthKey } from '../../domain/service-day-plan';
import type { WorkCalendar } from '../../domain/work-calendar';
import type { ServiceDayRunRepo } from '../../store/service-day-run-repo';
import type { ServicePlanRepo } from '../../store/service-day-plan-repo';
import type { ServiceSignupRepo } from '../../store/service-day-signup-repo';

type Message = string | { markdown: string };

/** The part of WeComOutbound the schedule uses; every call is keyed, so a repeat sends nothing. */
export interface ServiceDayOutbound {
  postToGroupWebhook(key: string, webhookKey: string, message: Message): Promise<string[]>;
  createCustomerGroupTask(key: string, sender: string, chatIds: readonly string[], text: string): Promise<string[]>;
  sendToUsers(key: string, userIds: readonly string[], message: Message): Promise<string[]>;
}

export interface CompoundSource {
  byCode(code: string): Promise<Compound | null>;
  list(filter?: { active?: boolean }): Promise<Compound[]>;
  forStaff(userId: string): Promise<Compound[]>;
}

export interface ServiceDayStores {
  plans: ServicePlanRepo;
  signups: ServiceSignupRepo;
  runs: ServiceDayRunRepo;
  compounds: CompoundSource;
}

export interface ServiceDayDeps extends ServiceDayStores {
  outbound: ServiceDayOutbound;
  calendar: WorkCalendar;
  timing: ServiceDayTiming;
  log: Logger;
}

export type SweepStep = 'plan-reminder' | 'eve' | 'day' | 'summary' | 'owner-reminders';

/** One compound's share of a sweep. Data are ids only: no personal data rides in Redis. */
export type CompoundJob =
  | { name: 'announce'; data: { compoundCode: string; month: MonthKey; step: AnnounceStep; serviceDay: string } }
  | { name: 'plan-reminder'; data: { compoundCode: string; month: MonthKey } }
  | { name: 'summary-request'; data: { compoundCode: string; month: MonthKey; serviceDay: string } }
  | { name: 'owner-reminder'; data: { compoundCode: string; month: MonthKey; step: AnnounceStep; serviceDay: string; n: number } };

export type CompoundJobSpec = CompoundJob & { id: string };

/** Where a sweep puts its per-compound jobs; ids already queued are ignored. */
export interface CompoundJobSink {
  addCompoundJobs(specs: readonly CompoundJobSpec[]): Promise<void>;
}

/** What a per-compound job did, for its return value and the logs. */
export type JobOutcome = 'done' | 'already_done' | 'moved' | 'skipped' | 'expired';
