import type { ActivityDraft } from '../../domain/service-day-grammar';
import { missingParts, readPlanMessage } from '../../domain/service-day-grammar';
import { numbersIn } from '../../domain/service-day-numbers';
import type { Logger } from '../../log';
import { LlmSchemaError, LlmUnavailableError } from '../../llm/classifier';
import type { OpenAiPlanReader, PlanReadingHint } from './plan-llm';

export type PlanFallbackReason = 'unconfigured' | 'schema' | 'unclear' | 'unsupported_numbers' | LlmUnavailableError['reason'];

export interface PlanDrafts {
  drafts: ActivityDraft[];
  /** 'grammar' or the prompt version that read the message. */
  readBy: string;
  fallbackReason: PlanFallbackReason | null;
}

export type PlanReader = (text: string, now: Date, hint: PlanReadingHint) => Promise<PlanDrafts>;

export interface PlanReaderDeps {
  /** null when no LLM is configured. */
  llm: Pick<OpenAiPlanReader, 'read'> | null;
  log: Logger;
}

/**
 * Activities in a message the grammar already recognised as a plan: the model reads them
 * when configured, the grammar when it is not, fails, or cites a number that is not in the
 * message (a capacity or time made up is worse than asking again).
 */
export function createPlanReader(deps: PlanReaderDeps): PlanReader {
  return async (text, now, hint) => {
    const grammar = readPlanMessage(text);
    const drafts = grammar.kind === 'activities' ? grammar.activities : [];
    const fallback = (reason: PlanFallbackReason): PlanDrafts => {
      if (reason !== 'unconfigured') deps.log.warn({ reason }, 'service plan read by the grammar: llm unusable');
      return { drafts, readBy: 'grammar', fallbackReason: reason };
    };
    if (!deps.llm) return fallback('unconfigured');
    try {
      const reading = await deps.llm.read(text, now, hint);
      if (reading.kind === 'unclear' || reading.drafts.length === 0) return fallback('unclear');
      if (!reading.drafts.every((d) => citesOnlyWritten(d, text))) return fallback('unsupported_numbers');
      // The grammar's complete reading beats a model that lost a part of it.
      const modelMissing = reading.drafts.reduce((n, d) => n + missingParts(d).length, 0);
      const grammarMissing = drafts.length ? drafts.reduce((n, d) => n + missingParts(d).length, 0) : Infinity;
      if (grammarMissing < modelMissing) return fallback('unclear');
      return { drafts: reading.drafts, readBy: reading.promptVersion, fallbackReason: null };
    } catch (err) {
      if (err instanceof LlmUnavailableError) return fallback(err.reason);
      if (err instanceof LlmSchemaError) return fallback('schema');
      throw err;
    }
  };
}

function citesOnlyWritten(d: ActivityDraft, text: string): boolean {
  const written = numbersIn(text);
  const has = (n: number | null) => n === null || written.has(n);
  const hourOk = d.hour === null || written.has(d.hour) || written.has(d.hour - 12) || (d.hour === 12 && written.has(0));
  const minuteOk = d.minute === 0 || written.has(d.minute) || (d.minute === 30 && text.includes('半')) || ([15, 45].includes(d.minute) && text.includes('刻'));
  return has(d.capacity) && has(d.day) && has(d.month) && hourOk && minuteOk;
}
