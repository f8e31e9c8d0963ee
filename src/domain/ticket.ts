import type { Category, Tier, Urgency } from './labels';

export const TICKET_STATUSES = [
  'new',
  'accepted',
  'in_progress',
  'resolved',
  'closed',
  'transferred',
  'escalated',
  'rejected',
  'reopened',
  'duplicate',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** Statuses in which someone still owes the resident work; new reports attach only to these. */
export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'accepted', 'in_progress', 'transferred', 'escalated', 'reopened'];

export function isOpen(status: TicketStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/** A tier that can own a ticket; 'none' is a message label, never a handler. */
export type HandlerTier = Exclude<Tier, 'none'>;

/** What was missing when the ticket was opened without the clarification answer. */
export type TicketGap = 'place' | 'problem';

export interface TicketReporter {
  userId: string;
  /** InboundMessage.id of the report. */
  messageId: string;
  at: Date;
}

export interface TicketActor {
  kind: 'resident' | 'staff' | 'system';
  userId: string | null;
  /** e.g. 'secretary', 'committee', 'building_leader', 'property', 'enforcement', 'street'. */
  role: string | null;
}

export interface TicketEvent {
  at: Date;
  actor: TicketActor;
  /** 'open' or a TicketAction type. */
  action: string;
  /** Both set when the status changed, both null when it did not (a report, a snooze, a note). */
  from: TicketStatus | null;
  to: TicketStatus | null;
  note: string | null;
  data?: Record<string, unknown>;
}

export interface ClassifierInfo {
  source: 'llm' | 'local' | 'rules';
  model: string | null;
  promptVersion: string | null;
  fallbackReason: string | null;
  tokens: number | null;
}

export interface Ticket {
  id: string;
  compoundCode: string;
  /** 街道 of the compound, copied so street-office queries need no join. */
  street: string;
  /** Per compound, from 1. */
  number: number;
  /** "YX0315-0042" */
  ref: string;
  category: Category;
  tier: HandlerTier;
  urgency: Urgency;
  building: string | null;
  summary: string;
  /** The first report as the resident wrote it: staff need it, and duplicate matching compares with it. */
  description: string;
  status: TicketStatus;
  assignees: string[];
  /** Told about the ticket but not expected to act: the secretary for unit tiers, the building leader. */
  watchers: string[];
  unitName: string;
  reporters: TicketReporter[];
  /** Always reporters.length; stored so lists can sort and filter on it. */
  reportCount: number;
  sourceInboundId: string;
  dueAt: Date | null;
  /** Reminders wait until then; dueAt does not move. */
  snoozedUntil: Date | null;
  /** Set by an escalation: when the receiving unit must report in (报到). */
  reportInDueAt: Date | null;
  gaps: TicketGap[];
  classifier: ClassifierInfo;
  /** Append-only. */
  history: TicketEvent[];
  /** history.length: every event is one version. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  /** When it left the books: closed, rejected or marked duplicate. */
  closedAt: Date | null;
  resolution: string | null;
  /** Ticket id this one was merged into. */
  duplicateOf: string | null;
}

/** What the pipeline knows when it opens a ticket; the store adds id, number and ref. */
export interface NewTicket {
  compoundCode: string;
  street: string;
  category: Category;
  tier: HandlerTier;
  urgency: Urgency;
  building: string | null;
  summary: string;
  description: string;
  assignees: string[];
  watchers: string[];
  unitName: string;
  reporter: TicketReporter;
  /** Unique: a retried job finds the ticket its first run opened. Use a synthetic id for tickets opened by hand. */
  sourceInboundId: string;
  dueAt: Date | null;
  gaps: TicketGap[];
  classifier: ClassifierInfo;
  /** Recorded in the 'open' event: e.g. the model's own tier and the routing fallback. */
  openedBy?: TicketActor;
  openNote?: string | null;
  openData?: Record<string, unknown>;
}

export const SYSTEM_ACTOR: TicketActor = { kind: 'system', userId: null, role: null };

export function ticketRef(compoundCode: string, number: number): string {
  return `${compoundCode}-${String(number).padStart(4, '0')}`;
}

export function openTicket(input: NewTicket, ids: { id: string; number: number }, now: Date): Ticket {
  const event: TicketEvent = {
    at: now,
    actor: input.openedBy ?? SYSTEM_ACTOR,
    action: 'open',
    from: null,
    to: 'new',
    note: input.openNote ?? null,
    ...(input.openData ? { data: input.openData } : {}),
  };
  return {
    id: ids.id,
    compoundCode: input.compoundCode,
    street: input.street,
    number: ids.number,
    ref: ticketRef(input.compoundCode, ids.number),
    category: input.category,
    tier: input.tier,
    urgency: input.urgency,
    building: input.building,
    summary: input.summary,
    description: input.description,
    status: 'new',
    assignees: [...input.assignees],
    watchers: [...input.watchers],
    unitName: input.unitName,
    reporters: [{ ...input.reporter }],
    reportCount: 1,
    sourceInboundId: input.sourceInboundId,
    dueAt: input.dueAt,
    snoozedUntil: null,
    reportInDueAt: null,
    gaps: [...input.gaps],
    classifier: { ...input.classifier },
    history: [event],
    version: 1,
    createdAt: now,
    updatedAt: now,
    resolvedAt: null,
    closedAt: null,
    resolution: null,
    duplicateOf: null,
  };
}

/** Latest time a resident reported the problem: duplicate windows run from here. */
export function lastReportAt(t: Pick<Ticket, 'reporters' | 'createdAt'>): Date {
  let latest = t.createdAt.getTime();
  for (const r of t.reporters) latest = Math.max(latest, r.at.getTime());
  return new Date(latest);
}

// Buildings as residents and the classifier write them: "3栋", "3号楼", "3幢", "A座",
// "12幢2单元", or only "2单元". The unit word varies for the same building.
const BUILDING = /^([0-9]{1,3}|[A-Z])(?:号楼|号|#楼?|栋楼?|幢楼?|座)(?:([0-9]{1,2})单元)?$/;
const UNIT_ONLY = /^([0-9]{1,2})单元$/;

export interface BuildingKey {
  building: string | null;
  unit: string | null;
}

/** null when the text is not a building we can read ("东区", "北门"): such places compare only as equal strings. */
export function buildingKey(raw: string): BuildingKey | null {
  const s = raw.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
  const m = BUILDING.exec(s);
  if (m) return { building: String(m[1]).replace(/^0+(?=\d)/, ''), unit: m[2] ? String(Number(m[2])) : null };
  const u = UNIT_ONLY.exec(s);
  return u ? { building: null, unit: String(Number(u[1])) } : null;
}

/**
 * same: one building (a unit on one side only still counts: "8栋" is "8栋1单元");
 * different: never the same place; unknown: at least one side does not say which building.
 */
export type BuildingMatch = 'same' | 'different' | 'unknown';

export function compareBuildings(a: string | null, b: string | null): BuildingMatch {
  if (a === null || b === null || a.trim() === '' || b.trim() === '') return 'unknown';
  const ka = buildingKey(a);
  const kb = buildingKey(b);
  if (!ka || !kb) return a.normalize('NFKC').trim() === b.normalize('NFKC').trim() ? 'same' : 'different';
  if (ka.unit !== null && kb.unit !== null && ka.unit !== kb.unit) return 'different';
  if (ka.building === null || kb.building === null) return 'unknown';
  return ka.building === kb.building ? 'same' : 'different';
}
