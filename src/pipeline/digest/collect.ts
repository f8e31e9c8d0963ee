import { digestFigures, type DigestFigures, type Period } from '../../domain/digest-figures';
import type { Ticket } from '../../domain/ticket';
import type { FixCheckRepo } from '../../store/fix-check-repo';
import type { TicketRepo } from '../../store/ticket-repo';

const PAGE = 500;
// Tickets resolved in the period may have been opened well before it.
const LOOKBACK_MS = 120 * 24 * 3600_000;

export interface CollectDeps {
  tickets: Pick<TicketRepo, 'list'>;
  fixChecks: Pick<FixCheckRepo, 'tally'>;
}

async function all(deps: CollectDeps, q: Omit<Parameters<TicketRepo['list']>[0], 'limit' | 'skip'>): Promise<Ticket[]> {
  const out: Ticket[] = [];
  for (let skip = 0; ; skip += PAGE) {
    const page = await deps.tickets.list({ ...q, limit: PAGE, skip });
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

/** Everything a report needs about some compounds in a period. */
export async function collectFigures(deps: CollectDeps, compoundCodes: readonly string[], period: Period, now: Date): Promise<DigestFigures> {
  const byId = new Map<string, Ticket>();
  for (const code of compoundCodes) {
    for (const t of await all(deps, { compoundCode: code, createdFrom: new Date(period.from.getTime() - LOOKBACK_MS), createdBefore: period.to })) byId.set(t.id, t);
    for (const t of await all(deps, { compoundCode: code, status: 'open' })) byId.set(t.id, t);
  }
  const satisfaction = await deps.fixChecks.tally({ compoundCodes, from: period.from, to: period.to });
  return digestFigures([...byId.values()], period, now, satisfaction.asked > 0 ? satisfaction : null);
}
