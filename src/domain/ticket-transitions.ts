import { OPEN_STATUSES, type HandlerTier, type Ticket, type TicketActor, type TicketEvent, type TicketReporter, type TicketStatus } from './ticket';

export type TicketAction =
  | { type: 'accept' }
  | { type: 'progress'; note: string }
  | { type: 'resolve'; note: string }
  | { type: 'close'; reason: string }
  /** Misrouted: hand it sideways to the unit it belongs to. dueAt restarts the clock when given. */
  | { type: 'transfer'; toTier: HandlerTier; assignees: string[]; unitName: string; watchers?: string[]; note?: string | null; dueAt?: Date | null }
  /** 吹哨: up the ladder (WHISTLE_LADDER); the receiving unit must report in by reportInDueAt. */
  | { type: 'escalate'; toTier: HandlerTier; assignees: string[]; unitName: string; reportInDueAt: Date; watchers?: string[]; note?: string | null; dueAt?: Date | null }
  | { type: 'report_in'; note?: string | null }
  | { type: 'reject'; reason: string }
  | { type: 'snooze'; until: Date; note?: string | null }
  | { type: 'reopen'; note: string; dueAt?: Date | null }
  | { type: 'mark_duplicate'; of: string }
  | { type: 'add_report'; reporter: TicketReporter };

export type TicketActionType = TicketAction['type'];

export { OPEN_STATUSES };

export interface TransitionContext {
  /** mark_duplicate: the ticket it duplicates, so the rule can check it is another open ticket of the same compound. */
  target?: Pick<Ticket, 'id' | 'compoundCode' | 'status' | 'ref'> | null;
}

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: TicketStatus,
    readonly action: TicketActionType,
    readonly reason: string,
  ) {
    super(`cannot ${action} a ${from} ticket: ${reason}`);
    this.name = 'InvalidTransitionError';
  }
}

const WORKING: readonly TicketStatus[] = ['new', 'accepted', 'in_progress', 'transferred', 'reopened'];
const FINISHED: readonly TicketStatus[] = ['resolved', 'closed', 'rejected', 'duplicate'];

/**
 * Every allowed move, in one place. `to: null` keeps the status.
 * 'escalated' waits for the receiving unit to report in (报到): until it does, the ticket
 * can only be reported in (or accepted, which counts as reporting in), escalated further,
 * merged, or counted; nobody can resolve, reject, snooze or pass on a whistle that no one has answered.
 * 'close' follows 'resolve' only: an open ticket that will not be done is rejected with a reason.
 */
export const TRANSITIONS: Readonly<Record<TicketActionType, { from: readonly TicketStatus[]; to: TicketStatus | null }>> = {
  accept: { from: ['new', 'transferred', 'reopened', 'escalated'], to: 'accepted' },
  report_in: { from: ['escalated'], to: 'accepted' },
  progress: { from: WORKING, to: 'in_progress' },
  resolve: { from: WORKING, to: 'resolved' },
  close: { from: ['resolved'], to: 'closed' },
  transfer: { from: WORKING, to: 'transferred' },
  escalate: { from: [...WORKING, 'escalated'], to: 'escalated' },
  reject: { from: WORKING, to: 'rejected' },
  snooze: { from: WORKING, to: null },
  reopen: { from: FINISHED, to: 'reopened' },
  mark_duplicate: { from: OPEN_STATUSES, to: 'duplicate' },
  add_report: { from: OPEN_STATUSES, to: null },
};

/**
 * The whistle ladder (三级吹哨): branch (文明哨) -> enforcement station (执法哨) -> street office (攻坚哨).
 * The branch may skip to the street for fire hazards and hard cases. The property company is
 * outside the ladder: when it cannot or will not act, the branch that watches it takes the
 * ticket (property -> branch), and blows the whistle further if needed. The street is the top.
 */
export const WHISTLE_LADDER: Readonly<Record<HandlerTier, readonly HandlerTier[]>> = {
  property: ['branch'],
  branch: ['enforcement', 'street'],
  enforcement: ['street'],
  street: [],
};

/** Staff and the system change a ticket; a resident's message can only count a report. */
const RESIDENT_ACTIONS: ReadonlySet<TicketActionType> = new Set(['add_report']);

const NOTE_REQUIRED: Partial<Record<TicketActionType, string>> = {
  progress: 'a progress note is required',
  resolve: 'say what was done',
  close: 'a reason is required',
  reject: 'a reason is required',
  reopen: 'say why it is reopened',
};

export function allowedActions(status: TicketStatus): TicketActionType[] {
  return (Object.keys(TRANSITIONS) as TicketActionType[]).filter((a) => TRANSITIONS[a].from.includes(status));
}

/** The event attachReport writes; the same shape as applyAction's add_report. */
export function reportEvent(reporter: TicketReporter, now: Date): TicketEvent {
  return {
    at: now,
    actor: { kind: 'resident', userId: reporter.userId, role: null },
    action: 'add_report',
    from: null,
    to: null,
    note: null,
    data: { messageId: reporter.messageId },
  };
}

/**
 * Pure: returns a new ticket with one more history event and version; never changes its input.
 * add_report records the reporting resident as the actor, whoever (the pipeline) applies it.
 * reject keeps its reason in `resolution`, so a list shows why a ticket left the books.
 */
export function applyAction(
  ticket: Ticket,
  action: TicketAction,
  actor: TicketActor,
  now: Date,
  ctx: TransitionContext = {},
): { ticket: Ticket; event: TicketEvent } {
  const from = ticket.status;
  const invalid = (reason: string) => new InvalidTransitionError(from, action.type, reason);
  const rule = TRANSITIONS[action.type];
  if (!rule.from.includes(from)) throw invalid(`allowed only from ${rule.from.join(', ')}`);
  if (actor.kind === 'resident' && !RESIDENT_ACTIONS.has(action.type)) throw invalid('residents cannot change a ticket');
  if (actor.kind === 'staff' && !actor.userId) throw invalid('a staff actor needs a userId');
  const required = NOTE_REQUIRED[action.type];
  if (required && !textOf(action).trim()) throw invalid(required);

  const to = rule.to ?? from;
  const next: Ticket = { ...ticket, status: to, updatedAt: now, version: ticket.version + 1 };
  const note = optionalNote(textOf(action));
  let data: Record<string, unknown> | undefined;

  switch (action.type) {
    case 'accept':
    case 'report_in':
      if (from === 'escalated') {
        data = { reportInDueAt: ticket.reportInDueAt, onTime: ticket.reportInDueAt === null || now <= ticket.reportInDueAt };
      }
      break;
    case 'progress':
      break;
    case 'resolve':
      next.resolution = action.note.trim();
      next.resolvedAt = now;
      next.snoozedUntil = null;
      break;
    case 'close':
      next.closedAt = now;
      break;
    case 'transfer': {
      if (!action.unitName.trim() || action.assignees.length === 0) throw invalid('name the unit and at least one assignee');
      if (action.toTier === ticket.tier && sameMembers(action.assignees, ticket.assignees)) throw invalid('it is already with them');
      data = handOver(ticket, next, action);
      break;
    }
    case 'escalate': {
      const up = WHISTLE_LADDER[ticket.tier];
      if (!up.includes(action.toTier)) {
        throw invalid(up.length === 0 ? `${ticket.tier} is the top of the ladder` : `${ticket.tier} escalates to ${up.join(' or ')}, not ${action.toTier}`);
      }
      if (!action.unitName.trim() || action.assignees.length === 0) throw invalid('name the unit and at least one assignee');
      if (!(action.reportInDueAt > now)) throw invalid('the report-in time must be in the future');
      data = { ...handOver(ticket, next, action), reportInDueAt: action.reportInDueAt };
      next.reportInDueAt = action.reportInDueAt;
      break;
    }
    case 'reject':
      next.closedAt = now;
      next.resolution = action.reason.trim();
      next.snoozedUntil = null;
      break;
    case 'snooze':
      if (ticket.urgency === 'critical' || ticket.urgency === 'high') throw invalid(`a ${ticket.urgency}-urgency ticket cannot wait`);
      if (!(action.until > now)) throw invalid('snooze until a future time');
      next.snoozedUntil = action.until;
      data = { until: action.until };
      break;
    case 'reopen':
      next.resolvedAt = null;
      next.closedAt = null;
      next.resolution = null;
      next.duplicateOf = null;
      next.snoozedUntil = null;
      if (action.dueAt !== undefined) next.dueAt = action.dueAt;
      data = { previousResolution: ticket.resolution, previousDuplicateOf: ticket.duplicateOf };
      break;
    case 'mark_duplicate': {
      const target = ctx.target;
      if (action.of === ticket.id) throw invalid('a ticket cannot duplicate itself');
      if (!target || target.id !== action.of) throw invalid('pass the target ticket in ctx.target');
      if (target.compoundCode !== ticket.compoundCode) throw invalid('the target is in another compound');
      if (!OPEN_STATUSES.includes(target.status)) throw invalid(`the target ${target.ref} is ${target.status}`);
      data = { of: target.id, ofRef: target.ref };
      next.duplicateOf = action.of;
      next.closedAt = now;
      next.snoozedUntil = null;
      break;
    }
    case 'add_report': {
      const r = action.reporter;
      if (ticket.reporters.some((x) => x.messageId === r.messageId)) throw invalid('this message is already counted');
      next.reporters = [...ticket.reporters, { ...r }];
      next.reportCount = next.reporters.length;
      const event = reportEvent(r, now);
      next.history = [...ticket.history, event];
      return { ticket: next, event };
    }
  }

  const changed = to !== from;
  const event: TicketEvent = {
    at: now,
    actor: { ...actor },
    action: action.type,
    from: changed ? from : null,
    to: changed ? to : null,
    note,
    ...(data ? { data } : {}),
  };
  next.history = [...ticket.history, event];
  return { ticket: next, event };
}

function handOver(
  ticket: Ticket,
  next: Ticket,
  action: { toTier: HandlerTier; assignees: string[]; unitName: string; watchers?: string[]; dueAt?: Date | null },
): Record<string, unknown> {
  next.tier = action.toTier;
  next.assignees = [...action.assignees];
  next.unitName = action.unitName.trim();
  if (action.watchers) next.watchers = [...action.watchers];
  if (action.dueAt !== undefined) next.dueAt = action.dueAt;
  next.snoozedUntil = null;
  return {
    fromTier: ticket.tier,
    toTier: action.toTier,
    fromUnit: ticket.unitName,
    toUnit: next.unitName,
    assignees: next.assignees,
    ...(action.dueAt !== undefined ? { dueAt: action.dueAt } : {}),
  };
}

function textOf(action: TicketAction): string {
  switch (action.type) {
    case 'progress':
    case 'resolve':
    case 'reopen':
      return action.note ?? '';
    case 'close':
    case 'reject':
      return action.reason ?? '';
    case 'transfer':
    case 'escalate':
    case 'report_in':
    case 'snooze':
      return action.note ?? '';
    default:
      return '';
  }
}

function optionalNote(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
