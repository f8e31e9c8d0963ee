import { evaluate, parseFixture, ratio, type EvalCase, type ExpectedLabels } from '../../src/pipeline/classify/eval-metrics';

const parking: ExpectedLabels = {
  actionable: true,
  category: 'illegal_parking',
  tier: 'enforcement',
  urgency: 'normal',
  building: '3栋',
  needs_clarification: false,
};
const fire: ExpectedLabels = { actionable: true, category: 'emergency', tier: 'street', urgency: 'critical', building: null, needs_clarification: false };
const chat: ExpectedLabels = { actionable: false, category: 'chit_chat', tier: 'none', urgency: 'low', building: null, needs_clarification: false };
const spam: ExpectedLabels = { ...chat, category: 'spam' };
const repair: ExpectedLabels = { ...parking, category: 'facility_repair', tier: 'property', building: null, needs_clarification: true };

function c(id: string, expected: ExpectedLabels, predicted: ExpectedLabels, resolvedBy: EvalCase['resolvedBy'] = null): EvalCase {
  return { id, expected, predicted, resolvedBy };
}

// Six messages with known outcomes; each figure below is counted by hand.
const cases: EvalCase[] = [
  c('a', parking, parking), // all right
  c('b', fire, fire, 'emergency'), // all right
  c('c', fire, repair), // emergency missed
  c('d', chat, chat, 'non-issue'), // pre-filtered, right
  c('e', spam, chat, 'non-issue'), // pre-filtered, non-actionable but wrong category
  c('f', chat, { ...parking, building: null }), // chatter taken for a problem
];

describe('parseFixture', () => {
  it('reads JSON lines, skips blank lines and fills a missing context', () => {
    const text = [
      JSON.stringify({ id: 'm1', text: '3栋门口违停', expected: parking }),
      '',
      JSON.stringify({ id: 'm2', text: '+1', context: { previousTexts: ['电梯坏了'] }, expected: repair }),
    ].join('\n');
    const records = parseFixture(text);
    expect(records.map((r) => r.id)).toEqual(['m1', 'm2']);
    expect(records[0]?.context).toEqual({ previousTexts: [], underServiceDayPost: false });
    expect(records[1]?.context).toEqual({ previousTexts: ['电梯坏了'], underServiceDayPost: false });
  });

  it('names the line of a record with an unknown label', () => {
    const bad = JSON.stringify({ id: 'm2', text: 'x', expected: { ...parking, category: 'parking' } });
    expect(() => parseFixture(`${JSON.stringify({ id: 'm1', text: 'y', expected: chat })}\n${bad}`)).toThrow(/line 2: expected\.category/);
  });
});

describe('ratio', () => {
  it('is null when there is nothing to divide by', () => {
    expect(ratio(0, 0)).toEqual({ hits: 0, total: 0, value: null });
    expect(ratio(1, 4).value).toBe(0.25);
  });
});

describe('evaluate', () => {
  const report = evaluate(cases);

  it('counts actionable precision and recall', () => {
    expect(report.actionable.precision).toEqual(ratio(3, 4)); // a b c f predicted actionable; f is not
    expect(report.actionable.recall).toEqual(ratio(3, 3));
  });

  it('counts category accuracy over all messages and over actionable ones', () => {
    expect(report.category.all).toEqual(ratio(3, 6)); // a b d
    expect(report.category.actionable).toEqual(ratio(2, 3)); // a b of a b c
  });

  it('counts field accuracies', () => {
    expect(report.tier).toEqual(ratio(4, 6)); // c (street vs property) and f wrong
    expect(report.urgency).toEqual(ratio(4, 6));
    expect(report.building).toEqual(ratio(6, 6));
    expect(report.needsClarification).toEqual(ratio(5, 6)); // c
  });

  it('counts emergency recall and precision', () => {
    expect(report.emergency.recall).toEqual(ratio(1, 2));
    expect(report.emergency.precision).toEqual(ratio(1, 1));
  });

  it('measures the non-issue pre-filter', () => {
    expect(report.preFilter.precision).toEqual(ratio(2, 2));
    expect(report.preFilter.exactCategory).toEqual(ratio(1, 2));
    expect(report.preFilter.recall).toEqual(ratio(2, 3)); // d e of d e f
    expect(report.preFilter.coverage).toEqual(ratio(2, 6));
  });

  it('lists confusions, most frequent first, and per-category F1', () => {
    expect(report.confusions).toEqual([
      { expected: 'chit_chat', predicted: 'illegal_parking', count: 1 },
      { expected: 'emergency', predicted: 'facility_repair', count: 1 },
      { expected: 'spam', predicted: 'chit_chat', count: 1 },
    ]);
    const parkingStats = report.perCategory.find((p) => p.category === 'illegal_parking');
    expect(parkingStats).toMatchObject({ support: 1, predicted: 2, correct: 1, precision: 0.5, recall: 1 });
    expect(parkingStats?.f1).toBeCloseTo(2 / 3);
    expect(report.perCategory.find((p) => p.category === 'noise')).toMatchObject({ support: 0, predicted: 0, f1: null });
  });

  it('names each misclassified message with the fields that differ', () => {
    expect(report.misclassified).toEqual([
      { id: 'c', fields: ['category', 'tier', 'urgency', 'needs_clarification'] },
      { id: 'e', fields: ['category'] },
      { id: 'f', fields: ['actionable', 'category', 'tier', 'urgency'] },
    ]);
  });

  it('handles an empty set without dividing by zero', () => {
    const empty = evaluate([]);
    expect(empty.count).toBe(0);
    expect(empty.category.all.value).toBeNull();
    expect(empty.emergency.recall.value).toBeNull();
  });
});
