import type { DigestSender } from '../../pipeline/digest/send-digests';
import type { WeComOutbound } from './outbound';

/** Digests go 1:1 as app markdown (rendered in the WeCom client), split under its byte limit. */
export class WeComDigestSender implements DigestSender {
  constructor(private readonly outbound: WeComOutbound) {}

  async send(key: string, userIds: readonly string[], markdown: string): Promise<void> {
    if (userIds.length === 0) return;
    await this.outbound.sendToUsers(key, userIds, { markdown });
  }
}
