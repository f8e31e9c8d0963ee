import { DANGEROUS_INTENTS, STAFF_INTENT_NAMES } from './staff-command';
import type { HandlerTier, StaffIntent, StaffIntentName, TicketRef } from './staff-command';

export interface LabelledReply {
  id: string;
  text: string;
  /** ISO instant with offset, e.g. 2026-03-10T09:00:00+08:00. */
  now: string;
  expected: {
    intent: StaffIntentName;
    ticketRef: TicketRef | null;
    targetTier: HandlerTier | null;
    until: string | null;
  };
}

/** Parses a JSONL fixture; blank lines are skipped, a malformed line throws with its number. */
export function parseLabelledReplies(jsonl: string): LabelledReply[] {
  return jsonl.split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    const row = JSON.parse(line) as LabelledReply;
    if (!row.id || typeof row.text !== 'string' || !STAFF_INTENT_NAMES.includes(row.expected?.intent)) {
      throw new Error(`line ${i + 1}: not a labelled staff reply`);
    }
    return [row];
  });
}

export { DANGEROUS_INTENTS };

/** A reply that was not a resolve/reject/transfer read as one. */
export function isDangerousError(expected: StaffIntentName, got: StaffIntentName): boolean {
  return !DANGEROUS_INTENTS.has(expected) && DANGEROUS_INTENTS.has(got);
}

export interface Miss {
  id: string;
  text: string;
  fields: string[];
  expected: LabelledReply['expected'];
  got: StaffIntent;
}

export interface Ratio {
  correct: number;
  total: number;
}

export interface StaffIntentReport {
  intent: Ratio;
  perIntent: Record<StaffIntentName, Ratio & { predicted: number }>;
  ticketRef: Ratio;
  targetTier: Ratio;
  until: Ratio;
  dangerous: string[];
  /** Labelled resolve/reject/transfer read as a different one of the three. */
  crossDangerous: string[];
  misses: Miss[];
}

const sameRef = (a: TicketRef | null, b: TicketRef | null): boolean =>
  a === null || b === null ? a === b : a.number === b.number && a.compoundCode === b.compoundCode;

export function evaluateStaffIntents(
  cases: readonly LabelledReply[],
  parse: (text: string, now: Date) => StaffIntent,
): StaffIntentReport {
  const ratio = (): Ratio => ({ correct: 0, total: 0 });
  const perIntent = Object.fromEntries(STAFF_INTENT_NAMES.map((n) => [n, { ...ratio(), predicted: 0 }])) as StaffIntentReport['perIntent'];
  const report: StaffIntentReport = {
    intent: ratio(),
    perIntent,
    ticketRef: ratio(),
    targetTier: ratio(),
    until: ratio(),
    dangerous: [],
    crossDangerous: [],
    misses: [],
  };
  const count = (r: Ratio, ok: boolean): boolean => {
    r.total += 1;
    if (ok) r.correct += 1;
    return ok;
  };

  for (const c of cases) {
    const got = parse(c.text, new Date(c.now));
    const want = c.expected;
    const fields: string[] = [];
    if (!count(report.intent, got.intent === want.intent)) fields.push('intent');
    count(perIntent[want.intent], got.intent === want.intent);
    perIntent[got.intent].predicted += 1;
    if (!count(report.ticketRef, sameRef(got.ticketRef, want.ticketRef))) fields.push('ticketRef');
    if (want.intent === 'transfer' || want.intent === 'escalate') {
      if (!count(report.targetTier, got.targetTier === want.targetTier)) fields.push('targetTier');
    }
    if (want.intent === 'snooze') {
      if (!count(report.until, got.until === want.until)) fields.push('until');
    }
    if (isDangerousError(want.intent, got.intent)) report.dangerous.push(c.id);
    else if (DANGEROUS_INTENTS.has(want.intent) && DANGEROUS_INTENTS.has(got.intent) && want.intent !== got.intent) {
      report.crossDangerous.push(c.id);
    }
    if (fields.length) report.misses.push({ id: c.id, text: c.text, fields, expected: want, got });
  }
  return report;
}

const pct = (r: Ratio): string => (r.total ? `${((100 * r.correct) / r.total).toFixed(1)}%` : 'n/a');
const line = (label: string, r: Ratio): string => `${label.padEnd(22)} ${pct(r).padStart(6)}  (${r.correct}/${r.total})`;

export function formatStaffIntentReport(report: StaffIntentReport, verbose: boolean): string {
  const out = [
    line('intent accuracy', report.intent),
    ...STAFF_INTENT_NAMES.map((n) => `${line(`  ${n}`, report.perIntent[n])}  predicted ${report.perIntent[n].predicted}`),
    line('ticket-ref accuracy', report.ticketRef),
    line('target-tier accuracy', report.targetTier),
    line('date accuracy', report.until),
    `dangerous errors       ${report.dangerous.length}${report.dangerous.length ? `  ${report.dangerous.join(' ')}` : ''}`,
    `dangerous swaps        ${report.crossDangerous.length}${report.crossDangerous.length ? `  ${report.crossDangerous.join(' ')}` : ''}`,
  ];
  if (verbose) {
    for (const m of report.misses) {
      const want = `${m.expected.intent} ${JSON.stringify(m.expected.ticketRef)} ${m.expected.targetTier} ${m.expected.until}`;
      const got = `${m.got.intent} ${JSON.stringify(m.got.ticketRef)} ${m.got.targetTier} ${m.got.until}`;
      out.push(`  ${m.id} [${m.fields.join(',')}] ${m.text}\n      want ${want}\n      got  ${got}`);
    }
  }
  return out.join('\n');
}
