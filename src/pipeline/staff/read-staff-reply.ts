import type { StaffIntent } from '../../domain/staff-command';
import { parseStaffReply } from '../../domain/staff-grammar';
import { reconcileStaffIntent } from '../../domain/staff-intent-reconcile';
import type { Logger } from '../../log';
import { LlmSchemaError, LlmUnavailableError, type LlmUnavailableReason } from '../../llm/classifier';
import type { OpenAiStaffIntentReader, StaffReplyContext } from '../../llm/staff-intent-classifier';

export type StaffReplyFallbackReason = 'unconfigured' | 'schema' | LlmUnavailableReason;

export interface StaffReplyReading {
  intent: StaffIntent;
  /** command: a strict `#42 结单` read without the model; llm: the model, reconciled; grammar: the fallback. */
  source: 'command' | 'llm' | 'grammar';
  /** Why the grammar answered free words; null when it did not. */
  fallbackReason: StaffReplyFallbackReason | null;
}

export interface ReadStaffReplyDeps {
  /** null when no LLM is configured. */
  llm: Pick<OpenAiStaffIntentReader, 'read'> | null;
  log: Logger;
}

/**
 * What staff meant by a reply. A strict command is exact and free: the model never
 * sees it. Free words go to the model and are reconciled with the grammar; when the
 * model is missing, slow or answers outside the schema the grammar's reading stands.
 */
export async function readStaffReply(deps: ReadStaffReplyDeps, text: string, now: Date, context?: StaffReplyContext): Promise<StaffReplyReading> {
  const grammar = parseStaffReply(text, now);
  if (grammar.confidence === 'command') return { intent: grammar, source: 'command', fallbackReason: null };
  const fallback = (reason: StaffReplyFallbackReason): StaffReplyReading => {
    deps.log.warn({ reason, intent: grammar.intent }, 'staff reply read by the grammar: llm unusable');
    return { intent: grammar, source: 'grammar', fallbackReason: reason };
  };
  if (!deps.llm) return { intent: grammar, source: 'grammar', fallbackReason: 'unconfigured' };

  try {
    const reading = await deps.llm.read(text, now, context);
    const intent = reconcileStaffIntent(reading.intent, grammar, text);
    if (intent.intent !== reading.intent.intent) {
      deps.log.info({ llm: reading.intent.intent, grammar: grammar.intent, intent: intent.intent }, 'staff reply: llm reading overruled');
    }
    return { intent, source: 'llm', fallbackReason: null };
  } catch (err) {
    if (err instanceof LlmUnavailableError) return fallback(err.reason);
    if (err instanceof LlmSchemaError) return fallback('schema');
    throw err;
  }
}
