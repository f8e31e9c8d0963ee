import type { Ticket } from '../../domain/ticket';
import { formatShanghaiShort } from '../../domain/shanghai-time';
import { CARD_BUTTONS, cardTaskId } from '../../pipeline/staff/card-keys';
import { categoryLabel } from '../../pipeline/triage/answers';
import type { CardSpec } from './payloads';

/** The prompt a responsible person gets: the ticket at a glance and five buttons. */
export function ticketCard(t: Ticket, heading: string): CardSpec {
  const fields = [
    { label: '位置', value: t.building ?? (t.gaps.includes('place') ? '未说明' : '见内容') },
    { label: '反映人数', value: `${t.reportCount} 人` },
    { label: '时限', value: t.dueAt ? formatShanghaiShort(t.dueAt) : '—' },
  ];
  if (t.reportInDueAt && t.status === 'escalated') fields.push({ label: '报到时限', value: formatShanghaiShort(t.reportInDueAt) });
  return {
    taskId: cardTaskId(t.id, t.version),
    title: `${heading} #${t.ref}【${categoryLabel(t.category)}】`,
    description: t.urgency === 'critical' ? '⚠️ 紧急' : t.urgency === 'high' ? '较急' : undefined,
    subTitle: t.summary,
    fields,
    buttons: CARD_BUTTONS.map((b) => ({ text: b.text, key: b.key, style: b.style })),
    source: '睦邻小助手',
  };
}
