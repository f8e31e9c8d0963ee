import type { Compound } from '../domain/compound';
import { ChatIdInUseError, type UpsertOutcome } from '../store/compound-repo';
import { fieldLabel, parseCompoundFile, type CompoundFileFormat, type CompoundRowError } from './import-file';

export interface CompoundLoadReport {
  created: number;
  updated: number;
  unchanged: number;
  /** Bad rows (and file-level problems), by line; none of them was written. */
  rejected: CompoundRowError[];
}

export interface CompoundSink {
  upsert(c: Compound, opts?: { dryRun?: boolean }): Promise<UpsertOutcome>;
}

/** Parses a compound file and upserts every good row, whatever the bad rows are. */
export async function loadCompounds(
  repo: CompoundSink,
  text: string,
  format: CompoundFileFormat,
  opts: { dryRun?: boolean } = {},
): Promise<CompoundLoadReport> {
  const { rows, errors } = parseCompoundFile(text, format);
  const report: CompoundLoadReport = { created: 0, updated: 0, unchanged: 0, rejected: [...errors] };
  for (const { line, compound } of rows) {
    try {
      report[await repo.upsert(compound, opts)] += 1;
    } catch (err) {
      if (!(err instanceof ChatIdInUseError)) throw err;
      report.rejected.push({ line, code: compound.code, problems: [`${fieldLabel(format, [err.field])}: already used by compound ${err.usedBy}`] });
    }
  }
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}

/** "created 2, updated 0, unchanged 1, rejected 1" then one line per rejected row. */
export function formatLoadReport(r: CompoundLoadReport): string {
  const head = `created ${r.created}, updated ${r.updated}, unchanged ${r.unchanged}, rejected ${r.rejected.length}`;
  const rows = r.rejected.map((e) => `line ${e.line}${e.code === undefined ? '' : ` (${e.code})`}: ${e.problems.join('; ')}`);
  return [head, ...rows].join('\n');
}
