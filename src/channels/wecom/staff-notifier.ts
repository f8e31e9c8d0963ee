import type { Compound } from '../../domain/compound';
import type { Ticket } from '../../domain/ticket';
import { categoryLabel } from '../../pipeline/triage/answers';
import { newTicketText, type StaffNotifier } from '../../pipeline/triage/notify-staff';
import type { WeComOutbound } from './outbound';
import { ticketCard } from './ticket-card';

/**
 * New-ticket prompts 1:1 through the app: a button card, and the same in words
 * (cards only render in the WeCom client, and words are how staff can always answer).
 */
export class WeComStaffNotifier implements StaffNotifier {
  constructor(private readonly outbound: WeComOutbound) {}

  async ticketOpened(ticket: Ticket, dueText: string | null, compound: Compound): Promise<void> {
    if (ticket.urgency === 'critical' && compound.staffWebhookKey) {
      const mention = [...new Set([compound.secretary, ...ticket.assignees])];
      const text = `⚠️【紧急】#${ticket.ref}【${categoryLabel(ticket.category)}】${ticket.summary}\n已提醒居民拨打 119/120/110，请立即到场或联系处置。`;
      await this.outbound.postToGroupWebhook(`ticket-open-${ticket.id}-staffgroup`, compound.staffWebhookKey, text, mention);
    }
    await this.prompt(ticket, '新工单', newTicketText(ticket, dueText), `ticket-open-${ticket.id}`);
  }

  async prompt(ticket: Ticket, heading: string, text: string, key: string, to: readonly string[] = ticket.assignees): Promise<void> {
    if (to.length === 0) return;
    await this.outbound.sendCard(`${key}-card`, to, ticketCard(ticket, heading));
    await this.outbound.sendToUsers(key, to, text);
  }
}
