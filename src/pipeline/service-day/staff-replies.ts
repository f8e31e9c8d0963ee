import type { Compound } from '../../domain/compound';
import { stepWindow, type ServiceDayTiming } from '../../domain/service-day-due';
import { serviceDayIds } from '../../domain/service-day-ids';
import { parseMonthKey, planServiceDay, monthKey, type MonthKey } from '../../domain/service-day-plan';
import { activityLine, dayLabel } from '../../domain/service-day-text';
import { shanghaiDayKey } from '../../domain/shanghai-time';
import type { InboundMessage } from '../../domain/inbound-message';
import type { InboundContext, PipelineResult } from '../handle-inbound';
import type { ServiceDayStores } from './deps';
import { currentMonth } from './months';
import { undoMove } from './move-day';

/** "取消" undoes a registration only this soon after it. */
const UNDO_MS = 30 * 60_000;
const OWNER_LOOKBACK_MS = 36 * 3600_000;

/** The month whose service day has come and whose summary is still wanted, if any. */
async function summaryMonth(deps: SummaryDeps, code: string, now: Date): Promise<{ month: MonthKey; serviceDay: string } | null> {
  const cur = currentMonth(now);
  const { year, month } = parseMonthKey(cur);
  const previous = month === 1 ? monthKey(year - 1, 12) : monthKey(year, month - 1);
  for (const m of [cur, previous]) {
    const day = planServiceDay(m, await deps.plans.get(code, m));
    if (day <= shanghaiDayKey(now) && now < stepWindow('summary', day, deps.timing).until) return { month: m, serviceDay: day };
  }
  return null;
}

export interface SummaryDeps extends Pick<ServiceDayStores, 'plans'> {
  timing: ServiceDayTiming;
}

/** "总结：……" from the secretary: stored with the month's plan for the monthly report. */
export async function storeSummary(stores: SummaryDeps, msg: InboundMessage, ctx: InboundContext, branches: Compound[], text: string): Promise<PipelineResult> {
  const now = ctx.now();
  const due: Array<{ compound: Compound; month: MonthKey; serviceDay: string }> = [];
  for (const c of branches) {
    const m = await summaryMonth(stores, c.code, now);
    if (m) due.push({ compound: c, ...m });
  }
  const target = due.length === 1 ? due[0] : due.find((d) => text.includes(d.compound.name));
  if (!target) {
    if (due.length > 1) return { reply: `您负责多个小区，请写明是哪个小区的总结，比如“总结：${due[0]?.compound.name ?? ''} ……”。`, handledBy: 'service_day.ask' };
    return { reply: '现在没有需要填写的服务日小结：服务日当天晚上我会来问。', handledBy: 'service_day.no_summary_due' };
  }
  await stores.plans.setSummary(target.compound.code, target.month, text, msg.senderId, now);
  ctx.log.info({ compound: target.compound.code, month: target.month }, 'service-day summary stored');
  return { reply: `已记下${target.compound.name}${dayLabel(target.serviceDay)}服务日的小结，会写进本月月报。谢谢！`, handledBy: 'service_day.summary' };
}

/** "取消" right after a registration; null when there is nothing of theirs to undo (the ticket loop may take it). */
export async function undoLast(stores: Pick<ServiceDayStores, 'plans' | 'signups'>, msg: InboundMessage, ctx: InboundContext): Promise<PipelineResult | null> {
  const now = ctx.now();
  const change = await stores.plans.lastChangeBy(msg.senderId, new Date(now.getTime() - UNDO_MS));
  if (!change) return null;
  if (change.kind === 'move') {
    const day = await undoMove(stores.plans, change.compoundCode, change.month, change.previous);
    return { reply: `已撤销改期：服务日恢复为${dayLabel(day)}。`, handledBy: 'service_day.undone' };
  }
  if ((await stores.signups.forActivities([change.activity.id])).length > 0) {
    return { reply: '已有居民报名这项活动，不能直接撤销；如活动取消，请在群里告知居民。', handledBy: 'service_day.undo_refused' };
  }
  await stores.plans.removeActivity(change.activity.id);
  return { reply: `已撤销：${activityLine(change.activity, { withDate: true })}。`, handledBy: 'service_day.undone' };
}

/** The group owner says they sent the group-send task: no more reminders for it. */
export async function ownerSent(stores: Pick<ServiceDayStores, 'runs'>, msg: InboundMessage, ctx: InboundContext): Promise<PipelineResult | null> {
  const now = ctx.now();
  const tasks = await stores.runs.tasksSince(new Date(now.getTime() - OWNER_LOOKBACK_MS), msg.senderId);
  if (tasks.length === 0) return null;
  for (const t of tasks) {
    if (!t.step) continue;
    await stores.runs.record({
      id: serviceDayIds.ownerConfirmed(t.compoundCode, t.month, t.step),
      kind: 'owner-confirmed',
      compoundCode: t.compoundCode,
      month: t.month,
      step: t.step,
      serviceDay: t.serviceDay,
      outcome: 'confirmed',
      at: now,
      owner: msg.senderId,
      note: null,
    });
  }
  return { reply: '好的，已记下群发完成，不再提醒。', handledBy: 'service_day.owner_confirmed' };
}
