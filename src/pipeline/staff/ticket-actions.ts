import type { Logger } from '../../log';
import type { Compound } from '../../domain/compound';
import { authorize, type Authorization } from '../../domain/staff-auth';
import type { Ticket, TicketEvent } from '../../domain/ticket';
import { applyAction, InvalidTransitionError, type TicketAction } from '../../domain/ticket-transitions';
import { ConcurrentUpdateError, type TicketRepo } from '../../store/ticket-repo';
import type { TicketChangeNotifier } from './change-notifier';
import type { TicketClock } from '../ticket-clock';

export type ActionOutcome =
  | { kind: 'done'; ticket: Ticket; event: TicketEvent; repeated: boolean }
  | { kind: 'refused'; why: Exclude<Authorization, { ok: true }>['why'] }
  | { kind: 'invalid'; ticket: Ticket; reason: string };

export interface TicketActionsDeps {
  tickets: TicketRepo;
  notifier: TicketChangeNotifier;
  clock: TicketClock;
  log: Logger;
}

const MAX_ATTEMPTS = 3;

/**
 * The one way staff change a ticket, from chat, cards or the operator CLI:
 * re-read, authorise by user id and role, apply the pure transition, save with a
 * version check, tell whoever must know. `sourceId` (the message or click) makes a
 * retried job a no-op instead of a second change.
 */
export async function performAction(
  deps: TicketActionsDeps,
  req: { ticketId: string; compound: Compound; actorId: string; action: TicketAction; sourceId: string; now: Date; actorKind?: 'staff' | 'system' },
): Promise<ActionOutcome> {
  for (let attempt = 1; ; attempt++) {
    const before = await deps.tickets.get(req.ticketId);
    if (!before) return { kind: 'refused', why: 'not_on_ticket' };
    const already = before.history.find((e) => (e.data as { sourceId?: string } | undefined)?.sourceId === req.sourceId);
    if (already) {
      // A retried job: the change is saved; notify again (deliveries are keyed, so nobody hears it twice).
      await deps.clock.sync(before);
      await deps.notifier.changed({ before, after: before, event: already, compound: req.compound });
      return { kind: 'done', ticket: before, event: already, repeated: true };
    }

    let role: string | null = 'operator';
    if (req.actorKind !== 'system') {
      const auth = authorize(req.actorId, req.compound, before, req.action.type);
      if (!auth.ok) return { kind: 'refused', why: auth.why };
      role = auth.role;
    }
    let applied: { ticket: Ticket; event: TicketEvent };
    try {
      applied = applyAction(before, req.action, { kind: req.actorKind ?? 'staff', userId: req.actorId, role }, req.now);
    } catch (err) {
      if (err instanceof InvalidTransitionError) return { kind: 'invalid', ticket: before, reason: err.reason };
      throw err;
    }
    const event: TicketEvent = { ...applied.event, data: { ...applied.event.data, sourceId: req.sourceId } };
    const next: Ticket = { ...applied.ticket, history: [...applied.ticket.history.slice(0, -1), event] };
    try {
      const saved = await deps.tickets.save(next, before.version);
      await deps.clock.sync(saved);
      await deps.notifier.changed({ before, after: saved, event, compound: req.compound });
      deps.log.info({ ticket: saved.ref, action: req.action.type, actor: req.actorId, role, from: before.status, to: saved.status }, 'ticket changed');
      return { kind: 'done', ticket: saved, event, repeated: false };
    } catch (err) {
      if (err instanceof ConcurrentUpdateError && attempt < MAX_ATTEMPTS) continue;
      throw err;
    }
  }
}
