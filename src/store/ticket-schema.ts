import { Schema } from 'mongoose';
import type { Ticket, TicketEvent, TicketReporter } from '../domain/ticket';

export type TicketDoc = Omit<Ticket, 'id'> & { _id: string };
export interface CounterDoc {
  _id: string;
  seq: number;
}

const reporterSchema = new Schema<TicketReporter>(
  { userId: { type: String, required: true }, messageId: { type: String, required: true }, at: { type: Date, required: true } },
  { _id: false },
);
const eventSchema = new Schema<TicketEvent>(
  {
    at: { type: Date, required: true },
    actor: {
      kind: { type: String, required: true },
      userId: { type: String, default: null },
      role: { type: String, default: null },
    },
    action: { type: String, required: true },
    from: { type: String, default: null },
    to: { type: String, default: null },
    note: { type: String, default: null },
    data: { type: Schema.Types.Mixed },
  },
  { _id: false },
);

export const ticketSchema = new Schema<TicketDoc>(
  {
    _id: { type: String, required: true },
    compoundCode: { type: String, required: true },
    street: { type: String, required: true },
    number: { type: Number, required: true },
    ref: { type: String, required: true },
    category: { type: String, required: true },
    tier: { type: String, required: true },
    urgency: { type: String, required: true },
    building: { type: String, default: null },
    summary: { type: String, required: true },
    description: { type: String, default: '' },
    status: { type: String, required: true },
    assignees: { type: [String], default: [] },
    watchers: { type: [String], default: [] },
    unitName: { type: String, required: true },
    reporters: { type: [reporterSchema], default: [] },
    reportCount: { type: Number, required: true },
    sourceInboundId: { type: String, required: true },
    dueAt: { type: Date, default: null },
    snoozedUntil: { type: Date, default: null },
    reportInDueAt: { type: Date, default: null },
    gaps: { type: [String], default: [] },
    classifier: {
      source: { type: String, required: true },
      model: { type: String, default: null },
      promptVersion: { type: String, default: null },
      fallbackReason: { type: String, default: null },
      tokens: { type: Number, default: null },
    },
    history: { type: [eventSchema], default: [] },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    resolvedAt: { type: Date, default: null },
    closedAt: { type: Date, default: null },
    resolution: { type: String, default: null },
    duplicateOf: { type: String, default: null },
  },
  // Our own `version` and timestamps: mongoose's would bypass the injected clock and the history rule.
  { collection: 'tickets', versionKey: false, timestamps: false },
);
// What a street office asks: a compound's board, a street's queue by due time, everything
// overdue, a tier's workload. Every ticket has a sourceInboundId (FerretDB has no partial
// indexes, so a null could not be left out of the unique index).
ticketSchema.index({ compoundCode: 1, status: 1, createdAt: -1 });
ticketSchema.index({ street: 1, status: 1, dueAt: 1 });
ticketSchema.index({ status: 1, dueAt: 1 });
ticketSchema.index({ status: 1, reportInDueAt: 1 });
ticketSchema.index({ tier: 1, status: 1 });
ticketSchema.index({ compoundCode: 1, number: 1 }, { unique: true });
ticketSchema.index({ 'reporters.messageId': 1 });
ticketSchema.index({ compoundCode: 1, 'reporters.userId': 1 });

export const counterSchema = new Schema<CounterDoc>({ _id: { type: String, required: true }, seq: { type: Number, required: true } }, { collection: 'counters', versionKey: false });

export function counterKey(compoundCode: string): string {
  return `ticket:${compoundCode}`;
}

const orNull = <T>(v: T | null | undefined): T | null => v ?? null;

/** Exactly the Ticket fields, as plain data. */
export function toPlain(d: TicketDoc): Ticket {
  return {
    id: d._id,
    compoundCode: d.compoundCode,
    street: d.street,
    number: d.number,
    ref: d.ref,
    category: d.category,
    tier: d.tier,
    urgency: d.urgency,
    building: orNull(d.building),
    summary: d.summary,
    description: d.description ?? '',
    status: d.status,
    assignees: [...(d.assignees ?? [])],
    watchers: [...(d.watchers ?? [])],
    unitName: d.unitName,
    reporters: (d.reporters ?? []).map((r) => ({ userId: r.userId, messageId: r.messageId, at: r.at })),
    reportCount: d.reportCount,
    sourceInboundId: d.sourceInboundId,
    dueAt: orNull(d.dueAt),
    snoozedUntil: orNull(d.snoozedUntil),
    reportInDueAt: orNull(d.reportInDueAt),
    gaps: [...(d.gaps ?? [])],
    classifier: {
      source: d.classifier.source,
      model: orNull(d.classifier.model),
      promptVersion: orNull(d.classifier.promptVersion),
      fallbackReason: orNull(d.classifier.fallbackReason),
      tokens: orNull(d.classifier.tokens),
    },
    history: (d.history ?? []).map(eventToPlain),
    version: d.version,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    resolvedAt: orNull(d.resolvedAt),
    closedAt: orNull(d.closedAt),
    resolution: orNull(d.resolution),
    duplicateOf: orNull(d.duplicateOf),
  };
}

function eventToPlain(e: TicketEvent): TicketEvent {
  return {
    at: e.at,
    actor: { kind: e.actor.kind, userId: orNull(e.actor.userId), role: orNull(e.actor.role) },
    action: e.action,
    from: orNull(e.from),
    to: orNull(e.to),
    note: orNull(e.note),
    ...(e.data !== undefined && e.data !== null ? { data: e.data } : {}),
  };
}
