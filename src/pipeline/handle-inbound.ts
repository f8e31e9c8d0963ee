import type { Logger } from '../log';
import type { Compound } from '../domain/compound';
import type { InboundMessage } from '../domain/inbound-message';

export interface InboundContext {
  log: Logger;
  now: () => Date;
  compound: Compound | null;
  /** Whether the message came from the compound's residents' group or its staff group. */
  chatRole: 'residents' | 'staff' | 'direct' | 'unknown';
}

export interface PipelineResult {
  /** What the sender should read back; null when nothing should be said. */
  reply: string | null;
  /** Which handler dealt with the message, stored with it. */
  handledBy: string;
}

/** The seam every channel feeds: tests call it directly, the intake worker calls it per job. */
export type InboundHandler = (msg: InboundMessage, ctx: InboundContext) => Promise<PipelineResult>;
