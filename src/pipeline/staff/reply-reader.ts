import type { StaffIntent } from '../../domain/staff-command';
import { parseStaffReply } from '../../domain/staff-grammar';

export interface ReadReply {
  intent: StaffIntent;
  source: 'command' | 'llm' | 'grammar';
  fallbackReason: string | null;
}

/** Reads what a staff member wrote; the LLM-backed reader plugs in here. */
export type StaffReplyReader = (text: string, now: Date) => Promise<ReadReply>;

export const grammarReader: StaffReplyReader = async (text, now) => {
  const intent = parseStaffReply(text, now);
  return { intent, source: intent.confidence === 'command' ? 'command' : 'grammar', fallbackReason: null };
};
