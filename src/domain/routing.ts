import type { Compound, ContactUnit } from './compound';
import { DEFAULT_TIER, type Category, type Labels, type Tier } from './labels';
import { compareBuildings, type HandlerTier } from './ticket';
import { WHISTLE_LADDER } from './ticket-transitions';

export interface Route {
  tier: HandlerTier;
  assignees: string[];
  /** Told, not asked to act: the secretary when a unit owns the ticket, and the building's leader. */
  watchers: string[];
  unitName: string;
  /** Why the route differs from the rule (a missing unit, an unusable override); null when it does not. */
  fallback: string | null;
  /** 'override' when the compound's routingOverrides decided the tier. */
  basis: 'default' | 'override';
  /** The classifier's own tier, kept as information only: the taxonomy decides. */
  modelTier: Tier | null;
}

export type RouteLabels = Pick<Labels, 'category'> & Partial<Pick<Labels, 'tier' | 'building'>>;

/** The category never opens a ticket (its tier is 'none'). */
export class UnroutableCategoryError extends Error {
  constructor(readonly category: Category) {
    super(`${category} is not routed to anyone`);
    this.name = 'UnroutableCategoryError';
  }
}

const UNIT_FIELD = { property: 'property', enforcement: 'enforcement', street: 'streetOffice' } as const;

/**
 * Who handles a ticket: the compound's override for the category, else the taxonomy default.
 * The model's tier never decides (taxonomy.md is the contract). Emergencies go to the street
 * office and to the secretary at once, who is on site.
 */
export function route(labels: RouteLabels, compound: Compound): Route {
  const { category } = labels;
  const defaultTier = DEFAULT_TIER[category];
  if (defaultTier === 'none') throw new UnroutableCategoryError(category);
  const override = compound.routingOverrides[category];
  let tier: HandlerTier = defaultTier;
  let basis: Route['basis'] = 'default';
  let overrideProblem: string | null = null;
  if (override !== undefined && override !== 'none') {
    tier = override;
    basis = 'override';
  } else if (override === 'none') {
    overrideProblem = `override of ${category} to none ignored`;
  }
  const unit = unitForTier(tier, compound, labels.building ?? null);
  const fallback = [overrideProblem, unit.fallback].filter((x): x is string => x !== null).join('; ') || null;
  const routed: Route = { ...unit, fallback, basis, modelTier: labels.tier ?? null };
  if (category === 'emergency' && unit.tier === 'street') {
    routed.assignees = unique([...unit.assignees, compound.secretary]);
    routed.watchers = routed.watchers.filter((w) => !routed.assignees.includes(w));
  }
  return routed;
}

/**
 * The people of one tier in this compound, for routing, transfers and escalations.
 * A tier whose unit the compound lacks falls back to the branch secretary, with `fallback` saying so.
 */
export function unitForTier(tier: HandlerTier, compound: Compound, building: string | null = null): Omit<Route, 'basis' | 'modelTier'> {
  const leaders = compound.buildingLeaders.filter((l) => building !== null && compareBuildings(l.building, building) === 'same').map((l) => l.userId);
  if (tier !== 'branch') {
    const unit: ContactUnit | null = compound[UNIT_FIELD[tier]];
    if (unit && unit.contacts.length > 0) {
      return build(tier, unit.contacts, [compound.secretary, ...leaders], unit.name, null);
    }
    const fallback = `${compound.code} has no ${UNIT_FIELD[tier]} unit; the branch secretary handles it`;
    return build('branch', [compound.secretary], leaders, branchName(compound), fallback);
  }
  return build('branch', [compound.secretary], leaders, branchName(compound), null);
}

/**
 * One rung up the whistle ladder, or null at the top. When the category's own default tier
 * is higher up the ladder (a fire hazard the branch took), that is where it goes.
 */
export function nextRung(tier: HandlerTier, category?: Category): HandlerTier | null {
  const up = WHISTLE_LADDER[tier];
  const target = category ? DEFAULT_TIER[category] : 'none';
  if (target !== 'none' && (up as readonly string[]).includes(target)) return target as HandlerTier;
  return up[0] ?? null;
}

export function branchName(compound: Pick<Compound, 'name'>): string {
  return `${compound.name}党支部`;
}

function build(tier: HandlerTier, assignees: string[], watchers: string[], unitName: string, fallback: string | null) {
  const a = unique(assignees);
  return { tier, assignees: a, watchers: unique(watchers).filter((w) => !a.includes(w)), unitName, fallback };
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
