import { z } from 'zod';
import { CATEGORY_CODES, TIERS, URGENCIES, type Category, type Labels } from '../../domain/labels';

// Metrics for a labelled message set; pure so the figures themselves are tested.

const expectedSchema = z.object({
  actionable: z.boolean(),
  category: z.enum(CATEGORY_CODES),
  tier: z.enum(TIERS),
  urgency: z.enum(URGENCIES),
  building: z.string().min(1).nullable(),
  needs_clarification: z.boolean(),
});

export const fixtureRecordSchema = z.object({
  id: z.string().min(1),
  text: z.string(),
  context: z
    .object({
      previousTexts: z.array(z.string()).default([]),
      underServiceDayPost: z.boolean().default(false),
    })
    .default({ previousTexts: [], underServiceDayPost: false }),
  expected: expectedSchema,
});

export type FixtureRecord = z.infer<typeof fixtureRecordSchema>;
export type ExpectedLabels = Omit<Labels, 'summary'>;

/** Parses JSON lines; throws naming the first bad line. */
export function parseFixture(jsonl: string): FixtureRecord[] {
  return jsonl
    .split('\n')
    .map((line, i) => ({ line: line.trim(), no: i + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, no }) => {
      const parsed = fixtureRecordSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`line ${no}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    });
}

export interface EvalCase {
  id: string;
  expected: ExpectedLabels;
  predicted: ExpectedLabels;
  /** Which deterministic rule settled the message without an LLM, if any. */
  resolvedBy: 'emergency' | 'non-issue' | null;
}

export interface Ratio {
  hits: number;
  total: number;
  /** hits / total, or null when there is nothing to divide by. */
  value: number | null;
}

export interface CategoryStats {
  category: Category;
  support: number;
  predicted: number;
  correct: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface Confusion {
  expected: Category;
  predicted: Category;
  count: number;
}

export interface EvalReport {
  count: number;
  actionable: { precision: Ratio; recall: Ratio };
  category: { all: Ratio; actionable: Ratio };
  tier: Ratio;
  urgency: Ratio;
  building: Ratio;
  needsClarification: Ratio;
  emergency: { precision: Ratio; recall: Ratio };
  preFilter: { precision: Ratio; exactCategory: Ratio; recall: Ratio; coverage: Ratio };
  perCategory: CategoryStats[];
  confusions: Confusion[];
  misclassified: Array<{ id: string; fields: string[] }>;
}

export function ratio(hits: number, total: number): Ratio {
  return { hits, total, value: total === 0 ? null : hits / total };
}

function share<T>(items: readonly T[], within: (x: T) => boolean, hit: (x: T) => boolean): Ratio {
  const pool = items.filter(within);
  return ratio(pool.filter(hit).length, pool.length);
}

const FIELDS = ['actionable', 'category', 'tier', 'urgency', 'building', 'needs_clarification'] as const;

function perCategory(cases: readonly EvalCase[]): CategoryStats[] {
  return CATEGORY_CODES.map((category) => {
    const support = cases.filter((c) => c.expected.category === category).length;
    const predicted = cases.filter((c) => c.predicted.category === category).length;
    const correct = cases.filter((c) => c.expected.category === category && c.predicted.category === category).length;
    const precision = predicted === 0 ? null : correct / predicted;
    const recall = support === 0 ? null : correct / support;
    const f1 = precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { category, support, predicted, correct, precision, recall, f1 };
  });
}

function confusions(cases: readonly EvalCase[]): Confusion[] {
  const counts = new Map<string, Confusion>();
  for (const c of cases) {
    if (c.expected.category === c.predicted.category) continue;
    const key = `${c.expected.category}>${c.predicted.category}`;
    const entry = counts.get(key) ?? { expected: c.expected.category, predicted: c.predicted.category, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.expected.localeCompare(b.expected));
}

export function evaluate(cases: readonly EvalCase[]): EvalReport {
  const isEmergency = (l: ExpectedLabels): boolean => l.category === 'emergency';
  const prefiltered = (c: EvalCase): boolean => c.resolvedBy === 'non-issue';
  return {
    count: cases.length,
    actionable: {
      precision: share(cases, (c) => c.predicted.actionable, (c) => c.expected.actionable),
      recall: share(cases, (c) => c.expected.actionable, (c) => c.predicted.actionable),
    },
    category: {
      all: share(cases, () => true, (c) => c.predicted.category === c.expected.category),
      actionable: share(cases, (c) => c.expected.actionable, (c) => c.predicted.category === c.expected.category),
    },
    tier: share(cases, () => true, (c) => c.predicted.tier === c.expected.tier),
    urgency: share(cases, () => true, (c) => c.predicted.urgency === c.expected.urgency),
    building: share(cases, () => true, (c) => c.predicted.building === c.expected.building),
    needsClarification: share(cases, () => true, (c) => c.predicted.needs_clarification === c.expected.needs_clarification),
    emergency: {
      precision: share(cases, (c) => isEmergency(c.predicted), (c) => isEmergency(c.expected)),
      recall: share(cases, (c) => isEmergency(c.expected), (c) => isEmergency(c.predicted)),
    },
    preFilter: {
      precision: share(cases, prefiltered, (c) => !c.expected.actionable),
      exactCategory: share(cases, prefiltered, (c) => c.expected.category === c.predicted.category),
      recall: share(cases, (c) => !c.expected.actionable, prefiltered),
      coverage: share(cases, () => true, prefiltered),
    },
    perCategory: perCategory(cases),
    confusions: confusions(cases),
    misclassified: cases
      .map((c) => ({ id: c.id, fields: FIELDS.filter((f) => c.expected[f] !== c.predicted[f]) }))
      .filter((m) => m.fields.length > 0),
  };
}
