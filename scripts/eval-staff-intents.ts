// Measures the staff-reply grammar against labelled fixtures.
//   npx tsx scripts/eval-staff-intents.ts [--verbose] [fixture.jsonl ...]
// Exits non-zero when any dangerous error is found.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseStaffReply } from '../src/domain/staff-grammar';
import { evaluateStaffIntents, formatStaffIntentReport, parseLabelledReplies } from '../src/domain/staff-intent-metrics';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const files = args.filter((a) => !a.startsWith('--'));
const fixtures = files.length ? files : ['test/fixtures/staff-replies.jsonl', 'test/fixtures/staff-replies-holdout.jsonl'];

let dangerous = 0;
for (const file of fixtures) {
  const cases = parseLabelledReplies(readFileSync(resolve(file), 'utf8'));
  const report = evaluateStaffIntents(cases, parseStaffReply);
  dangerous += report.dangerous.length;
  console.log(`== ${file} (${cases.length} replies)`);
  console.log(formatStaffIntentReport(report, verbose));
}
process.exitCode = dangerous > 0 ? 1 : 0;
