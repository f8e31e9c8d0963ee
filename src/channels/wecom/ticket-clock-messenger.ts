import type { Ticket } from '../../domain/ticket';
import type { ClockMessenger } from '../../pipeline/clock/messenger';
import { fixCheckCard } from './fix-check-card';
import type { WeComOutbound } from './outbound';
import type { WeComStaffNotifier } from './staff-notifier';

/**
 * The clock's messages go 1:1 through the app, where button cards render; the same in
 * words goes with every card, since words are the answer that always works.
 */
export class WeComClockMessenger implements ClockMessenger {
  constructor(
    private readonly outbound: WeComOutbound,
    private readonly staff: WeComStaffNotifier,
  ) {}

  async toUsers(key: string, userIds: readonly string[], text: string): Promise<void> {
    if (userIds.length === 0) return;
    await this.outbound.sendToUsers(key, userIds, text);
  }

  async prompt(ticket: Ticket, heading: string, text: string, key: string, to?: readonly string[]): Promise<void> {
    await this.staff.prompt(ticket, heading, text, key, to);
  }

  async askFixed(ticket: Ticket, userIds: readonly string[], key: string, text: string): Promise<void> {
    if (userIds.length === 0) return;
    await this.outbound.sendCard(`${key}-card`, userIds, fixCheckCard(ticket));
    await this.outbound.sendToUsers(key, userIds, text);
  }
}
