import type { StaffIntent } from '../../domain/staff-command';

/** The buttons of a ticket prompt card, by key. */
export const CARD_BUTTONS = [
  { key: 'accept', text: '受理', style: 1 },
  { key: 'resolve', text: '已解决', style: 1 },
  { key: 'transfer_property', text: '转物业', style: 2 },
  { key: 'escalate', text: '吹哨上报', style: 2 },
  { key: 'reject', text: '不属实', style: 3 },
] as const;

export type CardButtonKey = (typeof CARD_BUTTONS)[number]['key'];

// task_id allows [0-9A-Za-z_-@] and must be unique per card: the ticket and its version.
export function cardTaskId(ticketId: string, version: number): string {
  return `tk_${ticketId}_v${version}`;
}

export function parseCardTaskId(taskId: string): { ticketId: string; version: number } | null {
  const m = /^tk_([0-9A-Za-z]{1,64})_v(\d{1,6})$/.exec(taskId);
  return m && m[1] && m[2] ? { ticketId: m[1], version: Number(m[2]) } : null;
}

const NOTES: Partial<Record<CardButtonKey, string>> = {
  resolve: '已解决（通过工单卡片确认）',
  reject: '经核实不属实（通过工单卡片）',
};

export function intentForButton(key: string): StaffIntent | null {
  const base = { ticketRef: null, until: null, confidence: 'command' as const, targetTier: null, note: null };
  switch (key) {
    case 'accept':
      return { ...base, intent: 'accept' };
    case 'resolve':
      return { ...base, intent: 'resolve', note: NOTES.resolve ?? null };
    case 'transfer_property':
      return { ...base, intent: 'transfer', targetTier: 'property' };
    case 'escalate':
      return { ...base, intent: 'escalate' };
    case 'reject':
      return { ...base, intent: 'reject', note: NOTES.reject ?? null };
    default:
      return null;
  }
}
