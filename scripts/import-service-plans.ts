// Loads the month's service-day plans an operator prepared (YAML or JSON; format in
// src/pipeline/service-day/import-plans.ts).
//   npx tsx scripts/import-service-plans.ts <plans.yaml> [--dry-run]
// Good plans are written even when others are bad. Exit 0: all loaded; 1: some plans
// rejected; 2: unreadable file, bad usage or store error.
import { CompoundRepo } from '../src/store/compound-repo';
import { ServicePlanRepo } from '../src/store/service-day-plan-repo';
import { formatPlanImportReport, importServicePlans } from '../src/pipeline/service-day/import-plans';
import { runImportCli } from './lib/import-cli';

void runImportCli(process.argv.slice(2), {
  usage: 'usage: import-service-plans <plans.yaml|plans.json> [--dry-run]',
  // YAML or JSON is told from the content, not the name.
  accept: () => true,
  run: async (conn, text, _kind, dryRun) => {
    const plans = new ServicePlanRepo(conn);
    await plans.init();
    return importServicePlans({ plans, compounds: new CompoundRepo(conn) }, text, new Date(), { dryRun });
  },
  format: formatPlanImportReport,
});
