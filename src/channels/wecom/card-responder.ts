import type { InboundMessage } from '../../domain/inbound-message';
import type { CardResponder } from '../../pipeline/staff/card-responder';
import type { WeComOutbound } from './outbound';

/** update_template_card with the click's single-use response_code, for the clicker only. */
export class WeComCardResponder implements CardResponder {
  constructor(private readonly outbound: WeComOutbound) {}

  async acknowledge(msg: InboundMessage, label: string): Promise<void> {
    const code = msg.action?.responseCode;
    if (!code) return;
    await this.outbound.updateCard(`card-${msg.id}`, [msg.senderId], code, label);
  }
}
