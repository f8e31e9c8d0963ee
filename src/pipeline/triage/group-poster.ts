import type { Compound } from '../../domain/compound';

/** Posts a short public notice into a compound's residents' group, outside any reply. */
export interface GroupPoster {
  /** Resolves false when the compound's group cannot be posted to (e.g. a customer group without a task). */
  post(compound: Compound, key: string, text: string): Promise<boolean>;
}
