// Measures the deterministic classifier on a labelled message set.
//   npx tsx scripts/eval-classifier.ts [file.jsonl] [--verbose]
// Exit 0 when the file was evaluated, 2 on bad usage or an unreadable file.
import { readFile } from 'node:fs/promises';
import { classifyLocally } from '../src/pipeline/classify/local-classifier';
import { evaluate, parseFixture, type EvalCase, type EvalReport, type FixtureRecord, type Ratio } from '../src/pipeline/classify/eval-metrics';

const DEFAULT_FILE = 'test/fixtures/group-messages.jsonl';

function fmt(r: Ratio): string {
  return r.value === null ? 'n/a' : `${r.value.toFixed(3)} (${r.hits}/${r.total})`;
}

function toCase(record: FixtureRecord): EvalCase & { text: string; rules: string[] } {
  const { summary: _summary, confidence: _confidence, matchedRules, ...predicted } = classifyLocally(record.text, record.context);
  const first = matchedRules[0] ?? '';
  const resolvedBy = first.startsWith('emergency:') ? 'emergency' : first.startsWith('non-issue:') ? 'non-issue' : null;
  return { id: record.id, text: record.text, rules: matchedRules, expected: record.expected, predicted, resolvedBy };
}

function formatReport(file: string, report: EvalReport): string {
  const worst = report.perCategory
    .filter((c) => c.support > 0 && c.f1 !== null && c.f1 < 1)
    .sort((a, b) => (a.f1 ?? 0) - (b.f1 ?? 0))
    .slice(0, 6)
    .map((c) => `  ${c.category.padEnd(22)} F1 ${(c.f1 ?? 0).toFixed(2)}  (support ${c.support}, predicted ${c.predicted}, correct ${c.correct})`);
  const confusions = report.confusions.slice(0, 10).map((c) => `  ${c.expected} -> ${c.predicted}  x${c.count}`);
  return [
    `Local classifier on ${file} (${report.count} messages)`,
    `actionable          precision ${fmt(report.actionable.precision)}  recall ${fmt(report.actionable.recall)}`,
    `category accuracy   all ${fmt(report.category.all)}  actionable only ${fmt(report.category.actionable)}`,
    `tier accuracy       ${fmt(report.tier)}`,
    `urgency accuracy    ${fmt(report.urgency)}`,
    `building accuracy   ${fmt(report.building)}`,
    `needs_clarification ${fmt(report.needsClarification)}`,
    `emergency           recall ${fmt(report.emergency.recall)}  precision ${fmt(report.emergency.precision)}`,
    `non-issue pre-filter resolves ${fmt(report.preFilter.coverage)} of all messages without an LLM`,
    `                    precision ${fmt(report.preFilter.precision)}  exact category ${fmt(report.preFilter.exactCategory)}  recall ${fmt(report.preFilter.recall)}`,
    'worst categories (F1):',
    ...(worst.length > 0 ? worst : ['  none']),
    'top confusions (expected -> predicted):',
    ...(confusions.length > 0 ? confusions : ['  none']),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const files = argv.filter((a) => a !== '--verbose');
  if (files.length > 1 || files.some((f) => f.startsWith('--'))) {
    console.error('usage: eval-classifier [file.jsonl] [--verbose]');
    return 2;
  }
  const file = files[0] ?? DEFAULT_FILE;
  let records: FixtureRecord[];
  try {
    records = parseFixture(await readFile(file, 'utf8'));
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  const cases = records.map(toCase);
  const report = evaluate(cases);
  console.log(formatReport(file, report));
  const wrong = report.misclassified;
  console.log(`misclassified (any field): ${wrong.length}${verbose ? '' : ` -> ${wrong.map((m) => m.id).join(' ')}`}`);
  if (verbose) {
    const byId = new Map(cases.map((c) => [c.id, c]));
    for (const m of wrong) {
      const c = byId.get(m.id);
      if (!c) continue;
      const diffs = m.fields.map((f) => `${f}: ${String(c.expected[f as keyof typeof c.expected])} -> ${String(c.predicted[f as keyof typeof c.predicted])}`);
      console.log(`  ${m.id} ${c.text}\n      ${diffs.join('; ')}\n      rules: ${c.rules.join(' | ')}`);
    }
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
