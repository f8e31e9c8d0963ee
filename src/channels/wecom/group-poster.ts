import type { Logger } from '../../log';
import type { Compound } from '../../domain/compound';
import type { GroupPoster } from '../../pipeline/triage/group-poster';
import type { WeComOutbound } from './outbound';

/**
 * Internal groups get the post through their push webhook. Customer groups can only
 * be reached by a group-send task the owner confirms, which counts against a monthly
 * quota, so single-ticket notices are not sent there.
 */
export class WeComGroupPoster implements GroupPoster {
  constructor(
    private readonly outbound: WeComOutbound,
    private readonly log: Logger,
  ) {}

  async post(compound: Compound, key: string, text: string): Promise<boolean> {
    if (compound.groupKind === 'internal' && compound.pushWebhookKey) {
      await this.outbound.postToGroupWebhook(key, compound.pushWebhookKey, text);
      return true;
    }
    this.log.info({ compound: compound.code, groupKind: compound.groupKind, key }, 'group notice not posted: no push webhook for this group');
    return false;
  }
}
