import { maskPii } from '../../domain/pii';
import { formatShanghaiShort } from '../../domain/shanghai-time';
import type { Ticket } from '../../domain/ticket';

const HOW = (t: Ticket) => `回复“#${t.number} 受理”或“#${t.number} 结单 处理结果”即可处理。`;

export function reminderText(t: Ticket, due: Date): string {
  return `【办理提醒】#${t.ref} ${t.summary}\n办理时限：${formatShanghaiShort(due)}，请抓紧处理。${HOW(t)}`;
}

export function wakeText(t: Ticket, due: Date | null): string {
  const by = due ? `办理时限：${formatShanghaiShort(due)}。` : '';
  return `【推迟到期】#${t.ref} ${t.summary}\n推迟的日期已到，请继续办理。${by}${HOW(t)}`;
}

export function overdueNote(due: Date): string {
  return `超过办理时限（${formatShanghaiShort(due)}）未办结，系统自动吹哨上报`;
}

export function missedReportInNote(unitName: string, by: Date): string {
  return `${unitName}未在报到时限（${formatShanghaiShort(by)}）前报到，系统继续上报`;
}

export function handedUpText(t: Ticket, why: string): string {
  return `#${t.ref} ${why}，已上报${t.unitName}协调处理。`;
}

export function overdueAtTopText(t: Ticket, due: Date): string {
  return `【超时提醒】#${t.ref} ${t.summary}\n已超过办理时限（${formatShanghaiShort(due)}），${t.unitName}已是最高一级，请尽快办理。${HOW(t)}`;
}

export function reportInOverdueAtTopText(t: Ticket, by: Date): string {
  return `【报到超时】#${t.ref} ${t.summary}\n报到时限（${formatShanghaiShort(by)}）已过，请尽快回复“#${t.number} 报到”并处理。`;
}

export function fixCheckQuestion(t: Ticket): string {
  const done = t.resolution ? `已处理：${maskPii(t.resolution)}` : '已处理';
  return `您反映的问题（#${t.ref} ${t.summary}）${done}。\n请问真的解决了吗？请回复“解决了”“没解决”或“不清楚”；没解决的话可以直接说明情况。`;
}

export const AUTO_CLOSE_REASON = '居民未回复，自动办结';
export const AUTO_CLOSE_SOME_CONFIRMED = '部分居民确认已解决，其余未回复，自动办结';
export const CONFIRMED_REASON = '居民确认已解决';
export const NOBODY_TO_ASK_REASON = '无需居民回访，自动办结';

export function reopenNote(rest: string): string {
  return rest ? `居民反馈没解决：${rest}` : '居民反馈没解决';
}

export function unsureText(t: Ticket): string {
  return `#${t.ref} 回访时居民表示不清楚问题是否已解决，请到现场再核实。`;
}

export const answerReply = {
  closed: (t: Ticket) => `谢谢确认！#${t.ref} 已办结。`,
  thanks: (t: Ticket) => `谢谢您的反馈！#${t.ref} 已记录。`,
  reopened: (t: Ticket, hadWords: boolean) => `收到，#${t.ref} 已重新打开，已转告${t.unitName}继续处理。${hadWords ? '' : '可以直接回复说明哪里还没解决。'}`,
  unsure: (t: Ticket) => `好的，已请${t.unitName}再核实。如果问题还在，请回复“没解决”并说明情况。`,
  stale: (t: Ticket) => `#${t.ref} 已有新的处理进展，这次回访已结束。如还有问题，请@我说明。`,
};
