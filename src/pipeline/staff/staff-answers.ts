import type { Ticket, TicketStatus } from '../../domain/ticket';
import type { TicketActionType } from '../../domain/ticket-transitions';
import { formatShanghaiShort } from '../../domain/shanghai-time';
import { categoryLabel } from '../triage/answers';

export const STATUS_ZH: Record<TicketStatus, string> = {
  new: '待受理',
  accepted: '已受理',
  in_progress: '处理中',
  resolved: '已解决',
  closed: '已办结',
  transferred: '已转交',
  escalated: '已上报（待报到）',
  rejected: '已驳回',
  reopened: '重新打开',
  duplicate: '重复件',
};

const DONE_ZH: Record<TicketActionType, string> = {
  accept: '已受理',
  report_in: '已报到',
  progress: '已记录进展',
  resolve: '已结单',
  close: '已办结',
  transfer: '已转交',
  escalate: '已吹哨上报',
  reject: '已驳回',
  snooze: '已推迟',
  reopen: '已重新打开',
  mark_duplicate: '已标记为重复',
  add_report: '已记录',
};

export function doneText(t: Ticket, action: TicketActionType): string {
  const tail = action === 'transfer' || action === 'escalate' ? `，现由${t.unitName}处理` : '';
  return `#${t.ref} ${DONE_ZH[action]}${tail}。`;
}

export function buttonDoneText(action: TicketActionType): string {
  return DONE_ZH[action];
}

export function line(t: Ticket): string {
  return `#${t.number}（${t.ref}）【${categoryLabel(t.category)}】${t.summary} · ${STATUS_ZH[t.status]}`;
}

export function statusText(t: Ticket): string {
  const last = t.history[t.history.length - 1];
  const lastNote = last?.note ? `\n最近：${last.note}` : '';
  const due = t.dueAt ? `\n时限：${formatShanghaiShort(t.dueAt)}` : '';
  return `${line(t)}\n负责：${t.unitName}，反映 ${t.reportCount} 人${due}${lastNote}`;
}

export const REFUSED: Record<'not_staff' | 'not_on_ticket' | 'action_not_allowed', string> = {
  not_staff: '抱歉，只有负责该小区的工作人员才能处理工单。居民有新情况可以直接@我反映。',
  not_on_ticket: '抱歉，这张工单不归您负责，无法操作。如需协助请联系小区党支部。',
  action_not_allowed: '抱歉，您的角色不能进行这项操作，请联系小区党支部书记。',
};

export function invalidText(t: Ticket): string {
  return `#${t.ref} 当前状态是「${STATUS_ZH[t.status]}」，这项操作已不适用。`;
}

export const HOW_TO =
  '没看明白您的意思，请按“编号+操作”回复，比如：\n“#42 受理”“#42 结单 已协调车主挪车”“#42 转物业”“#42 吹哨”“#42 驳回 不是本小区”“#42 推迟到下周一”。';

export function whichTicket(open: Ticket[]): string {
  const shown = open.slice(0, 8).map(line).join('\n');
  const more = open.length > 8 ? `\n…共 ${open.length} 件` : '';
  return `您有多件待办工单，请在回复前加上编号（如“#${open[0]?.number ?? 42} 受理”）：\n${shown}${more}`;
}

export const NO_OPEN = '您目前没有待办工单。';

export const DIRECT_RESIDENT = '您好，我是睦邻小助手。请在您所在小区的群里@我说明问题和位置，我会登记并转给负责的人。';
