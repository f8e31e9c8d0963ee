import type { Compound } from '../../domain/compound';
import { route } from '../../domain/routing';
import { dueAt, resolveSla, type SlaRule } from '../../domain/sla';
import type { Ticket, TicketGap } from '../../domain/ticket';
import type { WorkCalendar } from '../../domain/work-calendar';
import type { TicketRepo } from '../../store/ticket-repo';
import type { TicketClock } from '../ticket-clock';
import type { Classification } from './classify-message';
import { dueTextFor } from './answers';

export interface OpenTicketDeps {
  tickets: TicketRepo;
  sla: readonly SlaRule[];
  calendar: WorkCalendar;
  clock: TicketClock;
}

export interface OpenedTicket {
  ticket: Ticket;
  created: boolean;
  dueText: string | null;
}

/**
 * Opens the ticket for a report: routed by the taxonomy and the compound's
 * overrides, due by the SLA policy. Keyed by the source message, so a retried job
 * finds the ticket its first run opened.
 */
export async function openTicketFor(
  deps: OpenTicketDeps,
  input: { compound: Compound; sourceInboundId: string; senderId: string; text: string; at: Date; classification: Classification; gaps: TicketGap[] },
): Promise<OpenedTicket> {
  const { labels, classifier } = input.classification;
  const r = route(labels, input.compound);
  const slaLabels = { category: labels.category, urgency: labels.urgency, tier: r.tier };
  const deadline = resolveSla(deps.sla, slaLabels);
  const { ticket, created } = await deps.tickets.create({
    compoundCode: input.compound.code,
    street: input.compound.street,
    category: labels.category,
    tier: r.tier,
    urgency: labels.urgency,
    building: labels.building,
    summary: labels.summary,
    description: input.text,
    assignees: r.assignees,
    watchers: r.watchers,
    unitName: r.unitName,
    reporter: { userId: input.senderId, messageId: input.sourceInboundId, at: input.at },
    sourceInboundId: input.sourceInboundId,
    dueAt: dueAt(input.at, slaLabels, deps.sla, deps.calendar),
    gaps: input.gaps,
    classifier,
    openData: { modelTier: r.modelTier, routingBasis: r.basis, routingFallback: r.fallback },
  });
  // Also on a retried job: syncing is idempotent, and the first run may have died before it.
  await deps.clock.sync(ticket);
  return { ticket, created, dueText: dueTextFor(deadline) };
}
