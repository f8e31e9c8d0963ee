import type { Logger } from '../../log';
import type { Compound } from '../../domain/compound';
import type { InboundMessage } from '../../domain/inbound-message';
import type { Replier, ReplyRoute } from '../../pipeline/replier';
import { streamIdFor } from './ids';
import type { WeComOutbound } from './outbound';
import type { StreamStore } from './stream-store';

/**
 * Where an answer goes: the AI-bot stream while WeCom still polls it, then the
 * callback's response_url, then the group's push webhook; app messages get a
 * 1:1 app message. Every route is keyed by the message id, so a retried job
 * never answers twice.
 */
export class WeComReplier implements Replier {
  constructor(
    private readonly deps: { streams: StreamStore; outbound: WeComOutbound; now: () => Date; log: Logger; appEnabled: boolean },
  ) {}

  async reply(msg: InboundMessage, text: string, compound: Compound | null): Promise<ReplyRoute> {
    const key = `reply-${msg.id}`;
    if (msg.channel === 'wecom_app') {
      await this.deps.outbound.sendToUsers(key, [msg.senderId], text);
      return 'app_message';
    }
    const done = await this.deps.streams.complete(streamIdFor(msg.id), text, this.deps.now());
    if (done.via === 'stream') return 'stream';
    if (done.via === 'response_url' && done.url) {
      await this.deps.outbound.replyViaResponseUrl(key, done.url, text);
      return 'response_url';
    }
    if (done.via === 'none' && done.why === 'already') return 'stream';
    // The stream and its response_url are gone (e.g. the queue was down for over an hour).
    if (msg.chatType === 'group' && compound?.pushWebhookKey) {
      await this.deps.outbound.postToGroupWebhook(key, compound.pushWebhookKey, text, [msg.senderId]);
      return 'group_webhook';
    }
    if (msg.chatType === 'single' && this.deps.appEnabled) {
      await this.deps.outbound.sendToUsers(key, [msg.senderId], text);
      return 'app_message';
    }
    this.deps.log.warn({ inboundId: msg.id }, 'reply dropped: no open stream, response_url or group webhook');
    return 'dropped';
  }
}
