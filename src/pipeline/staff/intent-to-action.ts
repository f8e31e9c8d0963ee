import type { Compound } from '../../domain/compound';
import { nextRung, unitForTier } from '../../domain/routing';
import { reportInDeadline } from '../../domain/sla';
import { parseDayKey, shanghaiDate } from '../../domain/shanghai-time';
import type { StaffIntent } from '../../domain/staff-command';
import type { Ticket } from '../../domain/ticket';
import type { TicketAction } from '../../domain/ticket-transitions';
import type { WorkCalendar } from '../../domain/work-calendar';

const TIER_NAME = { branch: '党支部', property: '物业', enforcement: '联合执法站', street: '街道' } as const;

export type ActionPlan = { ok: true; action: TicketAction } | { ok: false; ask: string };

/**
 * Turns what staff said into one ticket action, or the one thing the bot must
 * ask first. The note falls back to the staff member's own words.
 */
export function planAction(intent: StaffIntent, rawText: string, ticket: Ticket, compound: Compound, now: Date, cal: WorkCalendar): ActionPlan {
  const note = (intent.note ?? '').trim() || rawText.trim();
  switch (intent.intent) {
    case 'accept':
      return { ok: true, action: { type: 'accept' } };
    case 'report_in':
      return { ok: true, action: { type: 'report_in', note: intent.note } };
    case 'progress':
      return { ok: true, action: { type: 'progress', note } };
    case 'resolve':
      return { ok: true, action: { type: 'resolve', note } };
    case 'reject':
      return { ok: true, action: { type: 'reject', reason: note } };
    case 'reopen':
      return { ok: true, action: { type: 'reopen', note } };
    case 'transfer': {
      if (!intent.targetTier) return { ok: false, ask: `请问 #${ticket.number} 转给哪个单位？可回复“#${ticket.number} 转物业”“转执法站”或“转街道”。` };
      if (intent.targetTier === ticket.tier) return { ok: false, ask: `#${ticket.number} 现在就在${ticket.unitName}，不用再转。` };
      const unit = unitForTier(intent.targetTier, compound, ticket.building);
      if (unit.tier !== intent.targetTier) return { ok: false, ask: `本小区没有登记${TIER_NAME[intent.targetTier]}的联系人，无法转交。请联系社区补充后再试。` };
      return { ok: true, action: { type: 'transfer', toTier: unit.tier, assignees: unit.assignees, unitName: unit.unitName, watchers: unit.watchers, note: intent.note } };
    }
    case 'escalate': {
      const to = intent.targetTier ?? nextRung(ticket.tier, ticket.category);
      if (!to) return { ok: false, ask: `#${ticket.number} 已在街道（最高一级），无法再上报。` };
      const unit = unitForTier(to, compound, ticket.building);
      if (unit.tier !== to) return { ok: false, ask: `本小区没有登记${TIER_NAME[to]}的联系人，无法吹哨。请联系社区补充后再试。` };
      return {
        ok: true,
        action: { type: 'escalate', toTier: to, assignees: unit.assignees, unitName: unit.unitName, watchers: unit.watchers, note: intent.note, reportInDueAt: reportInDeadline(now, to, cal) },
      };
    }
    case 'snooze': {
      const day = intent.until ? safeDay(intent.until) : null;
      if (!day) return { ok: false, ask: `请问 #${ticket.number} 推迟到哪天？比如“#${ticket.number} 推迟到下周一”。` };
      // Reminders resume at the start of that working morning (Shanghai time).
      return { ok: true, action: { type: 'snooze', until: shanghaiDate(day.year, day.month, day.day, 9), note: intent.note } };
    }
    case 'query':
    case 'unknown':
      return { ok: false, ask: '' };
  }
}

function safeDay(key: string): { year: number; month: number; day: number } | null {
  try {
    return parseDayKey(key);
  } catch {
    return null;
  }
}
