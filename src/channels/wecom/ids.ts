import { createHash } from 'node:crypto';
import type { Channel } from '../../domain/inbound-message';

function digest(channel: Channel, rawId: string): string {
  return createHash('sha256').update(`${channel}\0${rawId}`).digest('hex').slice(0, 32);
}

/** Stable, job-id-safe key of a callback: the same WeCom message always maps to the same id. */
export function inboundIdFor(channel: Channel, rawId: string): string {
  return `${channel === 'wecom_aibot' ? 'ab' : 'ap'}_${digest(channel, rawId)}`;
}

/** The AI-bot stream id of a message; deterministic so a resent callback continues the same stream. */
export function streamIdFor(inboundId: string): string {
  return `st_${inboundId}`;
}
