import type { Ticket } from '../../domain/ticket';
import { newTicketText, type StaffNotifier } from '../../pipeline/triage/notify-staff';
import type { WeComOutbound } from './outbound';
import { ticketCard } from './ticket-card';

/**
 * New-ticket prompts 1:1 through the app: a button card, and the same in words
 * (cards only render in the WeCom client, and words are how staff can always answer).
 */
export class WeComStaffNotifier implements StaffNotifier {
  constructor(private readonly outbound: WeComOutbound) {}

  async ticketOpened(ticket: Ticket, dueText: string | null): Promise<void> {
    await this.prompt(ticket, '新工单', newTicketText(ticket, dueText), `ticket-open-${ticket.id}`);
  }

  async prompt(ticket: Ticket, heading: string, text: string, key: string, to: readonly string[] = ticket.assignees): Promise<void> {
    if (to.length === 0) return;
    await this.outbound.sendCard(`${key}-card`, to, ticketCard(ticket, heading));
    await this.outbound.sendToUsers(key, to, text);
  }
}
