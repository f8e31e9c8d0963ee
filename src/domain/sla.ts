import { shanghaiDate, toShanghaiParts } from './shanghai-time';
import { addWorkingTime, WORKDAY_HOURS, type WorkCalendar } from './work-calendar';

// Local copies of the taxonomy.md codes until the shared taxonomy module lands.
export const CATEGORIES = [
  'neighbor_dispute', 'noise', 'pet', 'garbage', 'illegal_parking', 'illegal_construction',
  'green_occupation', 'fire_hazard', 'space_encroachment', 'facility_repair', 'property_service',
  'micro_wish', 'service_request', 'policy_inquiry', 'emergency', 'other_issue',
  'activity_signup', 'chit_chat', 'spam', 'bot_feedback',
] as const;
export type Category = (typeof CATEGORIES)[number];
export type Tier = 'branch' | 'enforcement' | 'street' | 'property' | 'none';
export type Urgency = 'low' | 'normal' | 'high' | 'critical';

export interface SlaRule {
  category?: Category;
  urgency?: Urgency;
  tier?: Tier;
  hours: number;
  basis: 'calendar' | 'working';
}

export interface SlaDeadline {
  hours: number;
  basis: 'calendar' | 'working';
}

/** Category is a plain string so the shared taxonomy type (or an unknown code) passes through. */
export interface TicketLabels {
  category: string;
  urgency: Urgency;
  tier: Tier;
}

export class NoSlaRuleError extends Error {
  constructor(readonly labels: TicketLabels) {
    super(`no SLA rule matches ${labels.category}/${labels.urgency}/${labels.tier}`);
    this.name = 'NoSlaRuleError';
  }
}

const DAY = WORKDAY_HOURS;

/**
 * Default policy. "Working" hours count 09:00-17:00 on working days, so 1 working day = 8 h.
 *
 * | labels                                | due in           | why                                        |
 * |---------------------------------------|------------------|--------------------------------------------|
 * | urgency critical                      | 1 calendar hour  | emergencies happen now, nights included    |
 * | urgency high                          | 4 calendar hours | hazards, people stuck in a lift            |
 * | micro_wish (normal or low)            | 20 working days  | a decision on a shared wish, not its build |
 * | service_request (normal or low)       | 10 working days  | time to match a partner unit's resource   |
 * | policy_inquiry (normal or low)        | 5 working days   | the branch may need to ask the community   |
 * | low                                   | 5 working days   |                                            |
 * | enforcement / street / property tier  | 2 working days   | the whistles' units act within two days    |
 * | branch tier                           | 3 working days   |                                            |
 * | anything else                         | 3 working days   |                                            |
 *
 * Urgency outranks category, which outranks tier (see resolveSla), so a category
 * rule can only lengthen an urgent ticket's deadline if it names that urgency too.
 */
export const DEFAULT_SLA_POLICY: readonly SlaRule[] = [
  { urgency: 'critical', hours: 1, basis: 'calendar' },
  { urgency: 'high', hours: 4, basis: 'calendar' },
  { category: 'micro_wish', hours: 20 * DAY, basis: 'working' },
  { category: 'micro_wish', urgency: 'low', hours: 20 * DAY, basis: 'working' },
  { category: 'service_request', hours: 10 * DAY, basis: 'working' },
  { category: 'service_request', urgency: 'low', hours: 10 * DAY, basis: 'working' },
  { category: 'policy_inquiry', hours: 5 * DAY, basis: 'working' },
  { category: 'policy_inquiry', urgency: 'low', hours: 5 * DAY, basis: 'working' },
  { urgency: 'low', hours: 5 * DAY, basis: 'working' },
  { tier: 'enforcement', hours: 2 * DAY, basis: 'working' },
  { tier: 'street', hours: 2 * DAY, basis: 'working' },
  { tier: 'property', hours: 2 * DAY, basis: 'working' },
  { tier: 'branch', hours: 3 * DAY, basis: 'working' },
  { hours: 3 * DAY, basis: 'working' },
];

/**
 * The matching rule that names the most important fields wins: urgency (4) > category (2) > tier (1),
 * so scores never tie between different shapes. Among identical shapes the earlier rule wins.
 */
export function resolveSla(policy: readonly SlaRule[], labels: TicketLabels): SlaDeadline {
  let best: SlaRule | undefined;
  let bestScore = -1;
  for (const rule of policy) {
    if (rule.urgency !== undefined && rule.urgency !== labels.urgency) continue;
    if (rule.category !== undefined && rule.category !== labels.category) continue;
    if (rule.tier !== undefined && rule.tier !== labels.tier) continue;
    const score = (rule.urgency ? 4 : 0) + (rule.category ? 2 : 0) + (rule.tier ? 1 : 0);
    if (score > bestScore) {
      best = rule;
      bestScore = score;
    }
  }
  if (!best) throw new NoSlaRuleError(labels);
  return { hours: best.hours, basis: best.basis };
}

export function applyDeadline(start: Date, deadline: SlaDeadline, cal: WorkCalendar): Date {
  return deadline.basis === 'calendar'
    ? new Date(start.getTime() + deadline.hours * 60 * 60 * 1000)
    : addWorkingTime(start, deadline.hours, cal);
}

export function dueAt(createdAt: Date, labels: TicketLabels, policy: readonly SlaRule[], cal: WorkCalendar): Date {
  return applyDeadline(createdAt, resolveSla(policy, labels), cal);
}

/** How long the unit a whistle is blown to has to report in (报到). */
export const REPORT_IN_DEADLINES: Readonly<Record<Exclude<Tier, 'none'>, SlaDeadline>> = {
  enforcement: { hours: 4, basis: 'working' },
  street: { hours: 1 * DAY, basis: 'working' },
  property: { hours: 4, basis: 'working' },
  branch: { hours: 1 * DAY, basis: 'working' },
};

export function reportInDeadline(escalatedAt: Date, tier: Exclude<Tier, 'none'>, cal: WorkCalendar): Date {
  return applyDeadline(escalatedAt, REPORT_IN_DEADLINES[tier], cal);
}

export interface ReminderOptions {
  /** Fractions of the allowed time at which to remind; default [0.5]. */
  fractions?: number[];
  /** Hours before due at which to remind; default [1]. */
  hoursBeforeDue?: number[];
  nightStartHour?: number;
  nightEndHour?: number;
  morningHour?: number;
}

/**
 * Reminder instants strictly between createdAt and due, sorted and distinct.
 * One falling in the night (22:00-07:00 Shanghai by default) moves to 08:00 next morning;
 * if that is no longer before due it is dropped rather than sent late.
 */
export function reminderTimes(createdAt: Date, due: Date, opts: ReminderOptions = {}): Date[] {
  const start = createdAt.getTime();
  const end = due.getTime();
  const candidates = [
    ...(opts.fractions ?? [0.5]).map((f) => start + (end - start) * f),
    ...(opts.hoursBeforeDue ?? [1]).map((h) => end - h * 60 * 60 * 1000),
  ];
  const out = new Set<number>();
  for (const t of candidates) {
    const shifted = outOfNight(new Date(t), opts).getTime();
    if (shifted > start && shifted < end) out.add(shifted);
  }
  return [...out].sort((a, b) => a - b).map((t) => new Date(t));
}

function outOfNight(d: Date, opts: ReminderOptions): Date {
  const nightStart = opts.nightStartHour ?? 22;
  const nightEnd = opts.nightEndHour ?? 7;
  const morning = opts.morningHour ?? 8;
  if (!(nightEnd < nightStart && nightEnd <= morning && morning < nightStart)) {
    throw new RangeError(`night must wrap midnight and morning fall in the day: ${nightStart}-${nightEnd}, ${morning}`);
  }
  const p = toShanghaiParts(d);
  const hour = p.hour + p.minute / 60;
  if (hour >= nightStart) return shanghaiDate(p.year, p.month, p.day + 1, morning);
  if (hour < nightEnd) return shanghaiDate(p.year, p.month, p.day, morning);
  return d;
}
