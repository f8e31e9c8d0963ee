import type { Logger } from '../../log';
import type { Compound } from '../../domain/compound';
import type { Ticket } from '../../domain/ticket';
import type { CompoundRepo } from '../../store/compound-repo';
import type { FixCheckRepo } from '../../store/fix-check-repo';
import type { TicketRepo } from '../../store/ticket-repo';
import type { TicketChangeNotifier } from '../staff/change-notifier';
import type { TicketActionsDeps } from '../staff/ticket-actions';
import type { TicketClock } from '../ticket-clock';
import type { ClockMessenger } from './messenger';
import type { ClockPolicy, Timer } from './timer-plan';

export interface TimerDeps {
  tickets: TicketRepo;
  compounds: Pick<CompoundRepo, 'byCode'>;
  fixChecks: FixCheckRepo;
  notifier: TicketChangeNotifier;
  messenger: ClockMessenger;
  clock: TicketClock;
  policy: ClockPolicy;
  log: Logger;
  now: () => Date;
}

/** One timer that is due and still applies, with the ticket as just re-read. */
export interface TimerCall {
  jobId: string;
  timer: Timer;
  ticket: Ticket;
  compound: Compound;
  now: Date;
}

/** 'later': not yet (a job promoted early, a reminder that woke at night): the job waits until `at`. */
export type TimerResult = { kind: 'done'; outcome: string } | { kind: 'later'; at: Date };

export const done = (outcome: string): TimerResult => ({ kind: 'done', outcome });
export const later = (at: Date): TimerResult => ({ kind: 'later', at });

export function actionDeps(deps: Pick<TimerDeps, 'tickets' | 'notifier' | 'clock' | 'log'>): TicketActionsDeps {
  return { tickets: deps.tickets, notifier: deps.notifier, clock: deps.clock, log: deps.log };
}

export const SLA_ACTOR = 'system:sla';
export const FIX_CHECK_ACTOR = 'system:fix-check';
