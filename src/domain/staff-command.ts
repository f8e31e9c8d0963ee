import type { Tier } from './taxonomy-codes';

export const STAFF_INTENT_NAMES = [
  'accept',
  'progress',
  'resolve',
  'transfer',
  'escalate',
  'reject',
  'snooze',
  'reopen',
  'report_in',
  'query',
  'unknown',
] as const;
export type StaffIntentName = (typeof STAFF_INTENT_NAMES)[number];

/** Intents that close, bounce or hand off a ticket: acting on one wrongly is the costly mistake. */
export const DANGEROUS_INTENTS: ReadonlySet<StaffIntentName> = new Set(['resolve', 'reject', 'transfer']);

/** A tier a ticket can be handed to; 'none' is a message label, never a handler. */
export type HandlerTier = Exclude<Tier, 'none'>;

export interface TicketRef {
  /** The compound code of a full ref such as YX0315-0042; null for short refs (#42). */
  compoundCode: string | null;
  number: number;
}

/**
 * command: a ref followed by a fixed verb (`#42 结单 …`);
 * grammar: free words matched by the phrase grammar;
 * none: nothing usable (always with intent 'unknown').
 */
export type StaffIntentConfidence = 'command' | 'grammar' | 'none';

export interface StaffIntent {
  intent: StaffIntentName;
  ticketRef: TicketRef | null;
  /** What staff wrote beyond the ref and command verb: the resolution, the reason, the progress. */
  note: string | null;
  /** transfer: the target; escalate: the named target, or null for "one rung up". */
  targetTier: HandlerTier | null;
  /** snooze only: YYYY-MM-DD in Asia/Shanghai, null when the reply names no date. */
  until: string | null;
  confidence: StaffIntentConfidence;
}
