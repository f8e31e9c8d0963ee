// Loads or updates the compound registry from a YAML or CSV file.
//   npx tsx scripts/load-compounds.ts <file.yaml|file.csv> [--dry-run]
// Good rows are written even when others are bad. Exit 0: all rows loaded;
// 1: some rows rejected; 2: unreadable file, bad usage or store error.
import { extname } from 'node:path';
import { CompoundRepo } from '../src/store/compound-repo';
import { formatLoadReport, loadCompounds } from '../src/compounds/load';
import type { CompoundFileFormat } from '../src/compounds/import-file';
import { runImportCli } from './lib/import-cli';

const FORMATS: Record<string, CompoundFileFormat> = { '.yaml': 'yaml', '.yml': 'yaml', '.csv': 'csv' };

void runImportCli(process.argv.slice(2), {
  usage: 'usage: load-compounds <file.yaml|file.yml|file.csv> [--dry-run]',
  accept: (file) => FORMATS[extname(file).toLowerCase()],
  run: (conn, text, format, dryRun) => loadCompounds(new CompoundRepo(conn), text, format, { dryRun }),
  format: formatLoadReport,
});
