// Loads or updates the compound registry from a YAML or CSV file.
//   npx tsx scripts/load-compounds.ts <file.yaml|file.csv> [--dry-run]
// Good rows are written even when others are bad. Exit 0: all rows loaded;
// 1: some rows rejected; 2: unreadable file, bad usage or store error.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { connectStore } from '../src/store/connection';
import { CompoundRepo } from '../src/store/compound-repo';
import { formatLoadReport, loadCompounds } from '../src/compounds/load';
import type { CompoundFileFormat } from '../src/compounds/import-file';

const FORMATS: Record<string, CompoundFileFormat> = { '.yaml': 'yaml', '.yml': 'yaml', '.csv': 'csv' };

async function main(argv: string[]): Promise<number> {
  const dryRun = argv.includes('--dry-run');
  const files = argv.filter((a) => a !== '--dry-run');
  const file = files[0];
  const format = file === undefined ? undefined : FORMATS[extname(file).toLowerCase()];
  if (file === undefined || files.length > 1 || format === undefined || files.some((f) => f.startsWith('--'))) {
    console.error('usage: load-compounds <file.yaml|file.yml|file.csv> [--dry-run]');
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  const url = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/mulin';
  let conn;
  try {
    conn = await connectStore(url);
  } catch (err) {
    console.error(`cannot connect to the store: ${(err as Error).message}`);
    return 2;
  }
  try {
    const report = await loadCompounds(new CompoundRepo(conn), text, format, { dryRun });
    console.log(formatLoadReport(report) + (dryRun ? '\n(dry run: nothing was written)' : ''));
    return report.rejected.length > 0 ? 1 : 0;
  } catch (err) {
    console.error(`store error: ${(err as Error).message}`);
    return 2;
  } finally {
    await conn.close();
  }
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
