import type { Compound } from '../domain/compound';
import type { InboundMessage } from '../domain/inbound-message';

export type ReplyRoute = 'stream' | 'response_url' | 'app_message' | 'group_webhook' | 'dropped';

/** Sends the pipeline's answer back where the message came from; each channel adapter implements it. */
export interface Replier {
  reply(msg: InboundMessage, text: string, compound: Compound | null): Promise<ReplyRoute>;
}
