// The labels every message gets (taxonomy.md); the codes themselves live in taxonomy-codes.ts.

import { CATEGORY_CODES, CATEGORY_NAMES, DEFAULT_TIER, TIERS, type CategoryCode, type Tier } from './taxonomy-codes';

export { CATEGORY_CODES, DEFAULT_TIER, TIERS };
export type { Tier };
export type Category = CategoryCode;

export const URGENCIES = ['low', 'normal', 'high', 'critical'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const CATEGORY_NAME_ZH: Readonly<Record<Category, string>> = CATEGORY_NAMES;

/** Categories that never open or attach to a ticket (their tier is `none`). */
export const NON_ACTIONABLE_CATEGORIES: readonly Category[] = ['activity_signup', 'chit_chat', 'spam', 'bot_feedback'];

export interface Labels {
  actionable: boolean;
  category: Category;
  tier: Tier;
  urgency: Urgency;
  building: string | null;
  needs_clarification: boolean;
  summary: string;
}

export function isCategory(value: unknown): value is Category {
  return typeof value === 'string' && (CATEGORY_CODES as readonly string[]).includes(value);
}
