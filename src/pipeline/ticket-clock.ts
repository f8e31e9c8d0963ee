import type { Ticket } from '../domain/ticket';

/**
 * Keeps a ticket's timers (reminders, due-time escalation, report-in deadline,
 * snooze wake-up, "is it fixed?" check) in line with its current state. Called
 * after every change; timers that no longer apply are cancelled or become no-ops.
 */
export interface TicketClock {
  sync(ticket: Ticket): Promise<void>;
}

/** For roles and tests that run without timers. */
export const NO_CLOCK: TicketClock = { sync: async () => undefined };
