/**
 * The monthly figures as CSV, one row per compound, for operators to pull:
 *   npx tsx scripts/report-csv.ts 2026-10 [--street 宜城街道] > 2026-10.csv
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { monthPeriod } from '../src/domain/digest-periods';
import { collectFigures } from '../src/pipeline/digest/collect';
import { CSV_HEADER, csvRow } from '../src/pipeline/digest/render-digest';
import { openServices } from '../src/roles/services';
import { FixCheckRepo } from '../src/store/fix-check-repo';

async function main(): Promise<void> {
  const [month, ...args] = process.argv.slice(2);
  const i = args.indexOf('--street');
  const street = i >= 0 ? args[i + 1] : undefined;
  const period = monthPeriod(month ?? '');
  const config = loadConfig();
  const services = await openServices({ config, log: createLogger({ level: 'warn', name: 'report-csv' }) });
  try {
    const fixChecks = new FixCheckRepo(services.conn);
    const compounds = await services.compounds.list({ street });
    process.stdout.write(`${CSV_HEADER.join(',')}\n`);
    for (const c of compounds) {
      const f = await collectFigures({ tickets: services.tickets, fixChecks }, [c.code], period, new Date());
      process.stdout.write(`${csvRow(period.key, c.street, c.code, c.name, f, null)}\n`);
    }
  } finally {
    await services.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
