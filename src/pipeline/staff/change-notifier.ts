import type { Compound } from '../../domain/compound';
import type { Ticket, TicketEvent } from '../../domain/ticket';

/** Tells whoever must now know about a ticket change: the group, the reporters, the new owners. */
export interface TicketChangeNotifier {
  changed(change: { before: Ticket; after: Ticket; event: TicketEvent; compound: Compound }): Promise<void>;
}
