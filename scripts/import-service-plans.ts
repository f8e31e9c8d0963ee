// Loads the month's service-day plans an operator prepared (YAML or JSON; format in
// src/pipeline/service-day/import-plans.ts).
//   npx tsx scripts/import-service-plans.ts <plans.yaml> [--dry-run]
// Good plans are written even when others are bad. Exit 0: all loaded; 1: some plans
// rejected; 2: unreadable file, bad usage or store error.
import { readFile } from 'node:fs/promises';
import { connectStore } from '../src/store/connection';
import { CompoundRepo } from '../src/store/compound-repo';
import { ServicePlanRepo } from '../src/store/service-day-plan-repo';
import { formatPlanImportReport, importServicePlans } from '../src/pipeline/service-day/import-plans';

async function main(argv: string[]): Promise<number> {
  const dryRun = argv.includes('--dry-run');
  const files = argv.filter((a) => a !== '--dry-run');
  const file = files[0];
  if (file === undefined || files.length > 1 || file.startsWith('--')) {
    console.error('usage: import-service-plans <plans.yaml|plans.json> [--dry-run]');
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
    const plans = new ServicePlanRepo(conn);
    await plans.init();
    const report = await importServicePlans({ plans, compounds: new CompoundRepo(conn) }, text, new Date(), { dryRun });
    console.log(formatPlanImportReport(report) + (dryRun ? '\n(dry run: nothing was written)' : ''));
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
