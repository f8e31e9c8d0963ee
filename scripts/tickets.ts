/**
 * Operators' view of tickets, for what chat can't cover:
 *   npx tsx scripts/tickets.ts list [--compound YX0315] [--street 宜城街道] [--status open|new|…] [--overdue] [--limit 50]
 *   npx tsx scripts/tickets.ts show YX0315-0042
 *   npx tsx scripts/tickets.ts do YX0315-0042 <accept|progress|resolve|close|transfer|escalate|report_in|reject|snooze|reopen> [note or tier or YYYY-MM-DD] --as <operator-name>
 * Changes go through the same transitions and notifications as chat, recorded as the operator.
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { openServices } from '../src/roles/services';
import { loadCalendar } from '../src/roles/triage';
import { WeComGroupPoster } from '../src/channels/wecom/group-poster';
import { WeComStaffNotifier } from '../src/channels/wecom/staff-notifier';
import { WeComTicketChangeNotifier } from '../src/channels/wecom/ticket-change-notifier';
import { formatShanghaiShort } from '../src/domain/shanghai-time';
import type { StaffIntent } from '../src/domain/staff-command';
import type { Ticket, TicketStatus } from '../src/domain/ticket';
import { planAction } from '../src/pipeline/staff/intent-to-action';
import { STATUS_ZH, line } from '../src/pipeline/staff/staff-answers';
import { performAction } from '../src/pipeline/staff/ticket-actions';
import { buildTicketClock } from '../src/roles/ticket-clock';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function parseRef(ref: string | undefined): { code: string; number: number } {
  const m = /^([A-Za-z0-9_-]+)-(\d+)$/.exec(ref ?? '');
  if (!m || !m[1] || !m[2]) throw new Error(`expected a full ticket ref like YX0315-0042, got ${JSON.stringify(ref)}`);
  return { code: m[1], number: Number(m[2]) };
}

function show(t: Ticket): string {
  const head = [
    `${t.ref}  【${t.category}】 ${STATUS_ZH[t.status]} (${t.status})  urgency=${t.urgency}`,
    `  ${t.summary}`,
    `  compound=${t.compoundCode} street=${t.street} tier=${t.tier} unit=${t.unitName} assignees=${t.assignees.join(',')}`,
    `  building=${t.building ?? '-'} reports=${t.reportCount} gaps=${t.gaps.join(',') || '-'} due=${t.dueAt ? formatShanghaiShort(t.dueAt) : '-'}`,
    `  classifier=${t.classifier.source}${t.classifier.model ? ` ${t.classifier.model}` : ''}${t.classifier.promptVersion ? ` ${t.classifier.promptVersion}` : ''}${t.classifier.fallbackReason ? ` fallback=${t.classifier.fallbackReason}` : ''}`,
    `  first report: ${t.description}`,
    '  history:',
  ];
  const events = t.history.map((e) => `    ${formatShanghaiShort(e.at)}  ${e.action.padEnd(14)} ${e.actor.kind}:${e.actor.userId ?? '-'}${e.actor.role ? `(${e.actor.role})` : ''}  ${e.from ?? ''}${e.to ? ` → ${e.to}` : ''}${e.note ? `  “${e.note}”` : ''}`);
  return [...head, ...events].join('\n');
}

async function main(): Promise<void> {
  const [cmd, ...args] = process.argv.slice(2);
  const config = loadConfig();
  const log = createLogger({ level: 'warn', name: 'tickets-cli' });
  const services = await openServices({ config, log });
  try {
    if (cmd === 'list') {
      const status = flag(args, 'status') as TicketStatus | 'open' | undefined;
      const tickets = await services.tickets.list({
        compoundCode: flag(args, 'compound'),
        street: flag(args, 'street'),
        status,
        overdueAt: args.includes('--overdue') ? new Date() : undefined,
        limit: Number(flag(args, 'limit') ?? 50),
      });
      for (const t of tickets) console.log(`${t.ref}  ${line(t)}`);
      console.log(`${tickets.length} ticket(s)`);
      return;
    }
    if (cmd === 'show') {
      const ref = parseRef(args[0]);
      const t = await services.tickets.byRef(ref.code, ref.number);
      if (!t) throw new Error(`no ticket ${args[0]}`);
      console.log(show(t));
      return;
    }
    if (cmd === 'do') {
      const ref = parseRef(args[0]);
      const intentName = args[1] as StaffIntent['intent'] | undefined;
      const operator = flag(args, 'as');
      if (!intentName || !operator) throw new Error('usage: do <REF> <action> [note|tier|date] --as <operator-name>');
      const arg = args.slice(2).filter((a, i, all) => a !== '--as' && all[i - 1] !== '--as').join(' ') || null;
      const t = await services.tickets.byRef(ref.code, ref.number);
      const compound = await services.compounds.byCode(ref.code);
      if (!t || !compound) throw new Error(`no ticket ${args[0]}`);
      const tiers = ['branch', 'property', 'enforcement', 'street'] as const;
      const targetTier = tiers.find((x) => x === arg) ?? null;
      const intent: StaffIntent = { intent: intentName, ticketRef: null, note: targetTier ? null : arg, targetTier, until: intentName === 'snooze' ? arg : null, confidence: 'command' };
      const calendar = loadCalendar(config.CALENDAR_OVERRIDES_PATH);
      const plan = planAction(intent, arg ?? `operator ${operator}`, t, compound, new Date(), calendar);
      if (!plan.ok) throw new Error(plan.ask || `cannot ${intentName} from the command line`);
      const staff = new WeComStaffNotifier(services.outbound);
      const notifier = new WeComTicketChangeNotifier({ outbound: services.outbound, group: new WeComGroupPoster(services.outbound, log), staff });
      const outcome = await performAction(
        { tickets: services.tickets, notifier, clock: (await buildTicketClock(services, config, log, () => new Date())).clock, log },
        { ticketId: t.id, compound, actorId: `operator:${operator}`, action: plan.action, sourceId: `cli-${Date.now()}`, now: new Date(), actorKind: 'system' },
      );
      if (outcome.kind === 'done') console.log(show(outcome.ticket));
      else throw new Error(outcome.kind === 'invalid' ? `not allowed now: ${outcome.reason}` : `refused: ${outcome.why}`);
      return;
    }
    console.error('usage: tickets.ts list|show|do … (see the header of scripts/tickets.ts)');
    process.exitCode = 2;
  } finally {
    await services.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
