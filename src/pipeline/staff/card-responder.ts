import type { InboundMessage } from '../../domain/inbound-message';

/** Greys out the clicked card's buttons with a short label; channel adapters implement it. */
export interface CardResponder {
  acknowledge(msg: InboundMessage, label: string): Promise<void>;
}
