import type { Compound } from '../../domain/compound';
import type { Ticket } from '../../domain/ticket';
import { categoryLabel } from './answers';

/** How staff are told about tickets; the staff-loop work turns this into cards. */
export interface StaffNotifier {
  /** Critical tickets also reach the branch staff group at once. */
  ticketOpened(ticket: Ticket, dueText: string | null, compound: Compound): Promise<void>;
}

/** The plain-text prompt a responsible person gets 1:1 when a ticket is opened. */
export function newTicketText(t: Ticket, dueText: string | null): string {
  const lines = [
    `【新工单】#${t.ref}【${categoryLabel(t.category)}】${t.urgency === 'critical' ? '⚠️紧急' : t.urgency === 'high' ? '较急' : ''}`,
    `内容：${t.summary}`,
    t.building ? `位置：${t.building}` : t.gaps.includes('place') ? '位置：居民未说明，请现场确认' : null,
    `反映人数：${t.reportCount}`,
    dueText ? `办理时限：${dueText}` : null,
    `回复“#${t.number} 受理”“#${t.number} 结单 处理结果”“#${t.number} 转物业”“#${t.number} 吹哨”或“#${t.number} 驳回 原因”即可处理。`,
  ];
  return lines.filter((l): l is string => l !== null).join('\n');
}
