import type { FixAnswer } from '../../store/fix-check-repo';

export type { FixAnswer };

/** The buttons of the "is it really fixed?" card, by key. */
export const FIX_CHECK_BUTTONS = [
  { key: 'fixed', text: '解决了', style: 1 },
  { key: 'not_fixed', text: '没解决', style: 3 },
  { key: 'unsure', text: '不清楚', style: 2 },
] as const satisfies ReadonlyArray<{ key: FixAnswer; text: string; style: 1 | 2 | 3 }>;

export const FIX_ANSWER_ZH: Record<FixAnswer, string> = { fixed: '解决了', not_fixed: '没解决', unsure: '不清楚' };

// Task ids must be unique per card: one card per resolution (ticket version).
export function fixCheckTaskId(ticketId: string, version: number): string {
  return `fx_${ticketId}_v${version}`;
}

export function parseFixCheckTaskId(taskId: string): { ticketId: string; version: number } | null {
  const m = /^fx_([0-9A-Za-z]{1,64})_v(\d{1,6})$/.exec(taskId);
  return m && m[1] && m[2] ? { ticketId: m[1], version: Number(m[2]) } : null;
}

export function answerForButton(key: string): FixAnswer | null {
  return key === 'fixed' || key === 'not_fixed' || key === 'unsure' ? key : null;
}
