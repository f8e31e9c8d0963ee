import type { StaffIntent } from '../../domain/staff-command';

export interface ReadReply {
  intent: StaffIntent;
  source: 'command' | 'llm' | 'grammar';
  fallbackReason: string | null;
}

/** Reads what a staff member wrote; the LLM-backed reader plugs in here. */
export type StaffReplyReader = (text: string, now: Date) => Promise<ReadReply>;
