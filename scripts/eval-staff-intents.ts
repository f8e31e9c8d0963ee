// Measures the staff-reply grammar, and optionally the LLM path, against labelled fixtures.
//   npx tsx scripts/eval-staff-intents.ts [--verbose] [fixture.jsonl ...]
//   npx tsx scripts/eval-staff-intents.ts --llm <baseUrl> --model <name> [--timeout-ms N] [...]   (key: OPENAI_API_KEY)
//   npx tsx scripts/eval-staff-intents.ts --scripted [--share 0.9] [...]
// --scripted runs the LLM path against a local fake model that answers with the
// fixture's label for `share` of the calls and with a fault for the rest: a timeout,
// invalid JSON, an answer outside the schema, a dangerous wrong intent, an invented
// ticket number, a harmless wrong intent. It shows what the reconcile and the
// fallback make of each.
// Exits non-zero when the grammar, or a real model's path, makes any dangerous error.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DANGEROUS_INTENTS, STAFF_INTENT_NAMES, type StaffIntent, type StaffIntentName } from '../src/domain/staff-command';
import { parseStaffReply } from '../src/domain/staff-grammar';
import {
  evaluateStaffIntents,
  formatStaffIntentReport,
  isDangerousError,
  parseLabelledReplies,
  type LabelledReply,
  type Ratio,
  type StaffIntentReport,
} from '../src/domain/staff-intent-metrics';
import { createLogger } from '../src/log';
import { loadPrompt } from '../src/llm/prompt';
import { OpenAiStaffIntentReader, type StaffIntentReading } from '../src/llm/staff-intent-classifier';
import type { StaffIntentAnswer } from '../src/llm/staff-intent-schema';
import { readStaffReply, type StaffReplyReading } from '../src/pipeline/staff/read-staff-reply';
import { startFakeOpenAi, type FakeAnswer, type FakeOpenAi } from '../test/fakes/fake-openai';

const FAULTS = ['timeout', 'invalid_json', 'schema', 'dangerous', 'invented_ref', 'wrong'] as const;
type Fault = (typeof FAULTS)[number];
const SCRIPTED_TIMEOUT_MS = 250;

interface Options {
  verbose: boolean;
  files: string[];
  llm: { baseUrl: string; model: string } | null;
  scripted: boolean;
  share: number;
  timeoutMs: number;
}

function parseArgs(argv: string[]): Options {
  const valued = new Set(['--llm', '--model', '--share', '--timeout-ms']);
  const values = new Map<string, string>();
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (valued.has(a)) values.set(a, argv[++i] ?? '');
    else if (!a.startsWith('--')) files.push(a);
  }
  const baseUrl = values.get('--llm');
  const model = values.get('--model');
  if ((baseUrl === undefined) !== (model === undefined)) throw new Error('--llm <baseUrl> and --model <name> go together');
  const share = Number(values.get('--share') ?? '0.9');
  if (!(share >= 0 && share <= 1)) throw new Error('--share is a fraction between 0 and 1');
  return {
    verbose: argv.includes('--verbose'),
    files: files.length ? files : ['test/fixtures/staff-replies.jsonl', 'test/fixtures/staff-replies-holdout.jsonl'],
    llm: baseUrl !== undefined && model !== undefined ? { baseUrl, model } : null,
    scripted: argv.includes('--scripted'),
    share,
    timeoutMs: Number(values.get('--timeout-ms') ?? '8000'),
  };
}

// ---------- the scripted model ----------

function labelAnswer(c: LabelledReply): StaffIntentAnswer {
  const e = c.expected;
  return {
    intent: e.intent,
    ticket_number: e.ticketRef?.number ?? null,
    compound_code: e.ticketRef?.compoundCode ?? null,
    note: c.text.slice(0, 200),
    target_tier: e.targetTier,
    until: e.until,
  };
}

const SWAP: Partial<Record<StaffIntentName, StaffIntentName>> = { resolve: 'reject', reject: 'transfer', transfer: 'resolve' };

function faultyAnswer(c: LabelledReply, fault: Fault, n: number): FakeAnswer {
  const right = labelAnswer(c);
  switch (fault) {
    case 'timeout':
      return { delayMs: SCRIPTED_TIMEOUT_MS * 4, then: { labels: right } };
    case 'invalid_json':
      return { content: `好的，这条回复的意思是${right.intent}。` };
    case 'schema':
      return { labels: { ...right, intent: 'close' } };
    case 'dangerous': {
      const wrong = SWAP[c.expected.intent] ?? (['resolve', 'reject', 'transfer'] as const)[n % 3]!;
      return { labels: { ...right, intent: wrong, target_tier: wrong === 'transfer' ? 'property' : null } };
    }
    case 'invented_ref':
      return { labels: { ...right, ticket_number: 99999, compound_code: null } };
    case 'wrong':
      return { labels: { ...right, intent: c.expected.intent === 'progress' ? 'accept' : 'progress', target_tier: null, until: null } };
  }
}

/** Spreads `1 - share` faults evenly over the calls: call k is faulty when the running count of faults steps up. */
const isFaulty = (k: number, share: number): boolean => Math.floor((k + 1) * (1 - share) + 1e-9) > Math.floor(k * (1 - share) + 1e-9);

// ---------- running the LLM path ----------

interface PathRun {
  report: StaffIntentReport;
  sources: Record<StaffReplyReading['source'], number>;
  fallbacks: Map<string, number>;
  /** Model readings the reconcile changed: the intent, or a ticket ref dropped. */
  overruledIntent: number;
  droppedRef: number;
  faults: Map<Fault, { count: number; right: number; unknown: number; dangerous: number; wrong: number }>;
}

async function runLlmPath(cases: readonly LabelledReply[], reader: OpenAiStaffIntentReader, scripted: { fake: FakeOpenAi; share: number } | null): Promise<PathRun> {
  const log = createLogger({ level: 'silent' });
  const results = new Map<string, StaffIntent>();
  const run: Omit<PathRun, 'report'> = {
    sources: { command: 0, llm: 0, grammar: 0 },
    fallbacks: new Map(),
    overruledIntent: 0,
    droppedRef: 0,
    faults: new Map(FAULTS.map((f) => [f, { count: 0, right: 0, unknown: 0, dangerous: 0, wrong: 0 }])),
  };
  // What the model said before the reconcile, to count what the reconcile changed.
  const said: StaffIntentReading[] = [];
  const llm = {
    read: async (...args: Parameters<OpenAiStaffIntentReader['read']>): Promise<StaffIntentReading> => {
      const reading = await reader.read(...args);
      said.push(reading);
      return reading;
    },
  };
  let llmCalls = 0;
  let faultsSoFar = 0;

  for (const c of cases) {
    const now = new Date(c.now);
    let fault: Fault | null = null;
    if (scripted && parseStaffReply(c.text, now).confidence !== 'command') {
      if (isFaulty(llmCalls, scripted.share)) fault = FAULTS[faultsSoFar++ % FAULTS.length]!;
      const answer = fault ? faultyAnswer(c, fault, faultsSoFar) : { labels: labelAnswer(c) };
      scripted.fake.script(() => answer);
      llmCalls += 1;
    }
    const saidBefore = said.length;
    const got = await readStaffReply({ llm, log }, c.text, now);
    results.set(c.id, got.intent);
    run.sources[got.source] += 1;
    if (got.fallbackReason) run.fallbacks.set(got.fallbackReason, (run.fallbacks.get(got.fallbackReason) ?? 0) + 1);
    const modelSaid = said.length > saidBefore ? said[said.length - 1]?.intent : undefined;
    if (got.source === 'llm' && modelSaid) {
      if (modelSaid.intent !== got.intent.intent) run.overruledIntent += 1;
      if (modelSaid.ticketRef && modelSaid.ticketRef.number !== got.intent.ticketRef?.number) run.droppedRef += 1;
    }
    if (fault) {
      const f = run.faults.get(fault)!;
      f.count += 1;
      const want = c.expected.intent;
      const have = got.intent.intent;
      if (have === want) f.right += 1;
      else if (isDangerousError(want, have) || (DANGEROUS_INTENTS.has(want) && DANGEROUS_INTENTS.has(have))) f.dangerous += 1;
      else if (have === 'unknown') f.unknown += 1;
      else f.wrong += 1;
    }
  }
  // evaluateStaffIntents asks for the cases in order; the answers were got above.
  let i = 0;
  const report = evaluateStaffIntents(cases, (text) => {
    const c = cases[i++];
    if (c?.text !== text) throw new Error('cases evaluated out of order');
    return results.get(c.id)!;
  });
  return { ...run, report };
}

// ---------- printing ----------

const pct = (r: Ratio): string => (r.total ? `${((100 * r.correct) / r.total).toFixed(1)}% (${r.correct}/${r.total})` : 'n/a');
const ids = (list: string[]): string => `${list.length}${list.length ? `  ${list.join(' ')}` : ''}`;

function sideBySide(grammar: StaffIntentReport, llm: StaffIntentReport): string {
  const row = (label: string, a: string, b: string): string => `${label.padEnd(22)} ${a.padEnd(20)} ${b}`;
  return [
    row('', 'grammar only', 'LLM path'),
    row('intent accuracy', pct(grammar.intent), pct(llm.intent)),
    ...STAFF_INTENT_NAMES.map((n) => row(`  ${n}`, pct(grammar.perIntent[n]), pct(llm.perIntent[n]))),
    row('ticket-ref accuracy', pct(grammar.ticketRef), pct(llm.ticketRef)),
    row('target-tier accuracy', pct(grammar.targetTier), pct(llm.targetTier)),
    row('date accuracy', pct(grammar.until), pct(llm.until)),
    row('dangerous errors', ids(grammar.dangerous), ids(llm.dangerous)),
    row('dangerous swaps', ids(grammar.crossDangerous), ids(llm.crossDangerous)),
  ].join('\n');
}

function pathDetails(run: PathRun, scripted: boolean, share: number): string {
  const fallbacks = [...run.fallbacks].map(([r, n]) => `${r} ${n}`).join(', ') || 'none';
  const out = [
    `LLM path: ${run.sources.command} commands read without the model, ${run.sources.llm} read by the model, ${run.sources.grammar} by the grammar fallback (${fallbacks})`,
    `reconcile: ${run.overruledIntent} model intents overruled, ${run.droppedRef} ticket refs dropped or replaced`,
  ];
  if (scripted) {
    const total = [...run.faults.values()].reduce((s, f) => s + f.count, 0);
    out.push(`scripted faults: ${total} of ${run.sources.llm + run.sources.grammar} model calls (the model is right on ${(share * 100).toFixed(0)}%)`);
    out.push(`  ${'fault'.padEnd(14)} count  -> right  unknown  other-wrong  dangerous`);
    for (const [fault, f] of run.faults) {
      out.push(`  ${fault.padEnd(14)} ${String(f.count).padStart(5)}  ${String(f.right).padStart(8)}  ${String(f.unknown).padStart(7)}  ${String(f.wrong).padStart(11)}  ${String(f.dangerous).padStart(9)}`);
    }
  }
  return out.join('\n');
}

async function main(opts: Options): Promise<number> {
  const scripted = opts.scripted ? await startFakeOpenAi() : null;
  const reader =
    scripted || opts.llm
      ? new OpenAiStaffIntentReader({
          baseUrl: scripted?.baseUrl ?? opts.llm!.baseUrl,
          apiKey: scripted ? 'scripted' : process.env.OPENAI_API_KEY,
          model: scripted ? 'scripted-model' : opts.llm!.model,
          timeoutMs: scripted ? SCRIPTED_TIMEOUT_MS : opts.timeoutMs,
          maxRetries: scripted ? 0 : 1,
          prompt: loadPrompt('staff-intent'),
        })
      : null;
  let failing = 0;
  try {
    for (const file of opts.files) {
      const cases = parseLabelledReplies(readFileSync(resolve(file), 'utf8'));
      const grammar = evaluateStaffIntents(cases, parseStaffReply);
      failing += grammar.dangerous.length;
      console.log(`== ${file} (${cases.length} replies)`);
      if (!reader) {
        console.log(formatStaffIntentReport(grammar, opts.verbose));
        continue;
      }
      const run = await runLlmPath(cases, reader, scripted ? { fake: scripted, share: opts.share } : null);
      if (!scripted) failing += run.report.dangerous.length;
      console.log(sideBySide(grammar, run.report));
      console.log(pathDetails(run, scripted !== null, opts.share));
      if (opts.verbose) console.log(`LLM path misses:\n${formatStaffIntentReport(run.report, true).split('\n').slice(STAFF_INTENT_NAMES.length + 6).join('\n')}`);
    }
  } finally {
    await scripted?.close();
  }
  return failing > 0 ? 1 : 0;
}

let options: Options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
main(options).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
