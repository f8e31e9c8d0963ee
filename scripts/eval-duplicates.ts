// Measures duplicate merging on labelled report pairs and chooses the similarity thresholds.
//   npx tsx scripts/eval-duplicates.ts [file.jsonl] [--verbose]
// Thresholds are chosen on the "tune" split, one per match basis (most right merges with
// precision >= 0.97, ties to the stricter), and reported on both splits. Exit 0 when evaluated, 2 on bad usage or file.
import { readFile } from 'node:fs/promises';
import {
  assessDuplicate,
  findDuplicate,
  findFollowUpTarget,
  isFollowUp,
  MATCH_THRESHOLDS,
  type MatchBasis,
  type MatchCandidate,
  type MatchThresholds,
  type MatchableTicket,
} from '../src/domain/duplicate-match';
import { isCategory } from '../src/domain/labels';

export const DEFAULT_PAIRS_FILE = 'test/fixtures/duplicate-pairs.jsonl';
export const MIN_PRECISION = 0.97;
const GRID = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8];

export interface DuplicatePair {
  id: string;
  split: 'tune' | 'holdout';
  same: boolean;
  /** The report that opened the ticket. */
  a: MatchCandidate;
  /** The new report. */
  b: MatchCandidate;
  note: string;
}

export interface MergeScore {
  pairs: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** null when nothing merged. */
  precision: number | null;
  recall: number | null;
  falseMerges: string[];
  missed: string[];
}

export function parsePairs(text: string): DuplicatePair[] {
  return text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, n }) => {
      const raw = JSON.parse(line) as { id: string; split: string; same: unknown; a: Record<string, unknown>; b: Record<string, unknown>; note?: string };
      if (typeof raw.same !== 'boolean' || (raw.split !== 'tune' && raw.split !== 'holdout')) throw new Error(`line ${n}: bad same/split`);
      return { id: raw.id, split: raw.split, same: raw.same, a: side(raw.a, n), b: side(raw.b, n), note: raw.note ?? '' };
    });
}

function side(raw: Record<string, unknown>, n: number): MatchCandidate {
  if (!isCategory(raw.category) || typeof raw.text !== 'string' || typeof raw.senderId !== 'string' || typeof raw.at !== 'string') {
    throw new Error(`line ${n}: a side needs category, text, at, senderId`);
  }
  const building = typeof raw.building === 'string' ? raw.building : null;
  return { category: raw.category, building, text: raw.text, at: new Date(raw.at), senderId: raw.senderId };
}

/** The open ticket a pair's first report would have opened. */
export function ticketFrom(a: MatchCandidate): MatchableTicket {
  return {
    id: 'a',
    category: a.category,
    building: a.building,
    summary: a.text,
    description: a.text,
    status: 'new',
    reporters: [{ userId: a.senderId, messageId: 'a', at: a.at }],
    createdAt: a.at,
  };
}

/** What the pipeline would do with b: follow-ups by sender and context, other reports by text. */
export function merges(pair: DuplicatePair, thresholds: MatchThresholds): boolean {
  const open = [ticketFrom(pair.a)];
  const b = pair.b;
  if (isFollowUp(b.text)) return findFollowUpTarget({ senderId: b.senderId, at: b.at, category: b.category, building: b.building }, open) !== null;
  return findDuplicate(b, open, { thresholds }) !== null;
}

export function score(pairs: readonly DuplicatePair[], thresholds: MatchThresholds): MergeScore {
  const s: MergeScore = { pairs: pairs.length, tp: 0, fp: 0, fn: 0, tn: 0, precision: null, recall: null, falseMerges: [], missed: [] };
  for (const p of pairs) {
    const merged = merges(p, thresholds);
    if (merged && p.same) s.tp += 1;
    else if (merged) {
      s.fp += 1;
      s.falseMerges.push(p.id);
    } else if (p.same) {
      s.fn += 1;
      s.missed.push(p.id);
    } else s.tn += 1;
  }
  s.precision = s.tp + s.fp === 0 ? null : s.tp / (s.tp + s.fp);
  s.recall = s.tp + s.fn === 0 ? null : s.tp / (s.tp + s.fn);
  return s;
}

export interface StratumChoice {
  basis: MatchBasis;
  /** null when no threshold reaches the precision: that basis never merges. */
  threshold: number | null;
  rows: Array<{ threshold: number; right: number; wrong: number; precision: number | null }>;
}

/**
 * Each basis gets its own threshold, chosen on its own pairs: the one with the most right
 * merges at precision >= minPrecision, ties to the stricter. A shared overall precision would
 * let the many easy corroborated merges hide a weak text-only rule.
 */
export function chooseThresholds(pairs: readonly DuplicatePair[], minPrecision = MIN_PRECISION): Record<MatchBasis, StratumChoice> {
  const assessed = pairs
    .filter((p) => !isFollowUp(p.b.text))
    .map((p) => ({ same: p.same, a: assessDuplicate(p.b, ticketFrom(p.a)) }));
  const choose = (basis: MatchBasis): StratumChoice => {
    const stratum = assessed.flatMap((x) => (x.a.eligible && x.a.basis === basis ? [{ same: x.same, score: x.a.score }] : []));
    const rows = GRID.map((threshold) => {
      const merged = stratum.filter((x) => x.score >= threshold);
      const right = merged.filter((x) => x.same).length;
      return { threshold, right, wrong: merged.length - right, precision: merged.length === 0 ? null : right / merged.length };
    });
    let best: (typeof rows)[number] | null = null;
    for (const r of rows) {
      if (r.precision === null || r.precision < minPrecision) continue;
      if (!best || r.right > best.right || (r.right === best.right && r.threshold > best.threshold)) best = r;
    }
    return { basis, threshold: best ? best.threshold : null, rows };
  };
  return { corroborated: choose('corroborated'), textOnly: choose('textOnly') };
}

const pct = (x: number | null) => (x === null ? ' n/a ' : x.toFixed(3));
const row = (label: string, s: MergeScore) =>
  `${label.padEnd(24)} precision ${pct(s.precision)}  recall ${pct(s.recall)}  (merged ${s.tp + s.fp}: ${s.tp} right, ${s.fp} wrong; missed ${s.fn} of ${s.tp + s.fn})`;

export function report(pairs: readonly DuplicatePair[], verbose = false): string {
  const tune = pairs.filter((p) => p.split === 'tune');
  const holdout = pairs.filter((p) => p.split === 'holdout');
  const out: string[] = [`${pairs.length} pairs (${tune.length} tune, ${holdout.length} holdout; ${pairs.filter((p) => p.same).length} labelled same)`];
  const chosen = chooseThresholds(tune);
  for (const c of Object.values(chosen)) {
    out.push('', `tune split, ${c.basis} pairs by threshold:`);
    for (const r of c.rows) out.push(`  ${r.threshold.toFixed(2)}  precision ${pct(r.precision)}  right ${r.right}  wrong ${r.wrong}`);
  }
  const name = (t: number | null) => (t === null ? 'never' : String(t));
  out.push('', `chosen on tune (precision >= ${MIN_PRECISION} per basis): corroborated ${name(chosen.corroborated.threshold)}, textOnly ${name(chosen.textOnly.threshold)}`);
  const current = MATCH_THRESHOLDS;
  out.push(`in use (MATCH_THRESHOLDS):                   corroborated ${current.corroborated}, textOnly ${current.textOnly}`);
  out.push('', 'overall at several thresholds (all pairs):');
  for (const [c, t] of [[0, 0.2], [0.05, 0.3], [current.corroborated, current.textOnly], [0.1, 0.4], [0.2, 0.5], [0.3, 0.6]] as const) {
    out.push(row(`  ${c.toFixed(2)} / ${t.toFixed(2)}`, score(pairs, { corroborated: c, textOnly: t })));
  }
  out.push('', 'at the thresholds in use:');
  const byId = new Map(pairs.map((p) => [p.id, p]));
  for (const [label, set] of [['tune', tune], ['holdout', holdout], ['all', pairs]] as const) {
    const s = score(set, current);
    out.push(row(`  ${label}`, s));
    out.push(row(`    follow-ups`, score(set.filter((p) => isFollowUp(p.b.text)), current)));
    out.push(row(`    by text`, score(set.filter((p) => !isFollowUp(p.b.text)), current)));
    if (verbose && label !== 'all') {
      for (const id of [...s.falseMerges.map((i) => `WRONG ${i}`), ...s.missed.map((i) => `MISSED ${i}`)]) {
        const p = byId.get(id.split(' ')[1] ?? '');
        if (p) out.push(`      ${id} ${p.note}: "${p.a.text}" | "${p.b.text}"`);
      }
    }
  }
  return out.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const files = argv.filter((a) => a !== '--verbose');
  if (files.length > 1 || files.some((f) => f.startsWith('--'))) {
    console.error('usage: eval-duplicates [file.jsonl] [--verbose]');
    return 2;
  }
  const file = files[0] ?? DEFAULT_PAIRS_FILE;
  let pairs: DuplicatePair[];
  try {
    pairs = parsePairs(await readFile(file, 'utf8'));
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  console.log(report(pairs, verbose));
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 2;
    },
  );
}
