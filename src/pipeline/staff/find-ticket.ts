import type { Compound } from '../../domain/compound';
import { rolesIn } from '../../domain/staff-auth';
import type { TicketRef } from '../../domain/staff-command';
import type { Ticket } from '../../domain/ticket';
import type { CompoundRepo } from '../../store/compound-repo';
import type { TicketRepo } from '../../store/ticket-repo';

export type Found =
  | { kind: 'one'; ticket: Ticket; compound: Compound }
  | { kind: 'none'; why: 'not_found' | 'no_open' | 'not_staff' }
  | { kind: 'ambiguous'; open: Ticket[]; fullRefNeeded: boolean };

export interface FindDeps {
  tickets: Pick<TicketRepo, 'byRef' | 'list'>;
  compounds: Pick<CompoundRepo, 'forStaff' | 'byCode'>;
}

/**
 * Which ticket a staff message is about. A full ref (YX0315-0042) names it; a short
 * one (#42) is looked up in the compounds this person serves (the staff group's
 * compound first); no ref means their only open ticket, or a question back.
 */
export async function findTicket(deps: FindDeps, userId: string, ref: TicketRef | null, staffGroupOf: Compound | null): Promise<Found> {
  const mine = staffGroupOf && rolesIn(userId, staffGroupOf).length > 0 ? [staffGroupOf] : await deps.compounds.forStaff(userId);
  if (mine.length === 0) return { kind: 'none', why: 'not_staff' };
  if (ref?.compoundCode) {
    const compound = mine.find((c) => c.code === ref.compoundCode) ?? (await deps.compounds.byCode(ref.compoundCode));
    const ticket = compound ? await deps.tickets.byRef(compound.code, ref.number) : null;
    return ticket && compound ? { kind: 'one', ticket, compound } : { kind: 'none', why: 'not_found' };
  }
  if (ref) {
    const hits: Array<{ ticket: Ticket; compound: Compound }> = [];
    for (const compound of mine) {
      const ticket = await deps.tickets.byRef(compound.code, ref.number);
      if (ticket) hits.push({ ticket, compound });
    }
    if (hits.length === 1 && hits[0]) return { kind: 'one', ...hits[0] };
    if (hits.length === 0) return { kind: 'none', why: 'not_found' };
    return { kind: 'ambiguous', open: hits.map((h) => h.ticket), fullRefNeeded: true };
  }
  const open: Array<{ ticket: Ticket; compound: Compound }> = [];
  for (const compound of mine) {
    const branch = compound.secretary === userId || compound.committee.includes(userId);
    const list = await deps.tickets.list({ compoundCode: compound.code, status: 'open', limit: 50 });
    for (const ticket of list) if (branch || ticket.assignees.includes(userId)) open.push({ ticket, compound });
  }
  if (open.length === 1 && open[0]) return { kind: 'one', ...open[0] };
  if (open.length === 0) return { kind: 'none', why: 'no_open' };
  return { kind: 'ambiguous', open: open.map((o) => o.ticket), fullRefNeeded: mine.length > 1 };
}
