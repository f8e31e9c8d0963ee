import type { Ticket } from '../../domain/ticket';
import { newTicketText, type StaffNotifier } from '../../pipeline/triage/notify-staff';
import type { WeComOutbound } from './outbound';

/** New-ticket prompts as 1:1 app messages to the ticket's assignees. */
export class WeComStaffNotifier implements StaffNotifier {
  constructor(private readonly outbound: WeComOutbound) {}

  async ticketOpened(ticket: Ticket, dueText: string | null): Promise<void> {
    if (ticket.assignees.length === 0) return;
    await this.outbound.sendToUsers(`ticket-open-${ticket.id}`, ticket.assignees, newTicketText(ticket, dueText));
  }
}
