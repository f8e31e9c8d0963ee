import { z } from 'zod';
import { strictJsonSchema, type JsonSchemaNode } from './strict-json-schema';
import { STAFF_INTENT_NAMES } from '../domain/staff-command';
import type { HandlerTier, StaffIntent } from '../domain/staff-command';

const HANDLER_TIERS = ['branch', 'enforcement', 'street', 'property'] as const satisfies readonly HandlerTier[];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const isCalendarDay = (s: string): boolean => {
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};

/**
 * The model's reading of a staff reply. Types the answer, validates it and, through
 * z.toJSONSchema, constrains the model. Extra keys are stripped on parse; the wire
 * schema forbids them.
 */
export const staffIntentAnswerSchema = z.object({
  intent: z.enum(STAFF_INTENT_NAMES).describe('意图代码'),
  ticket_number: z.number().int().min(1).max(999999).nullable().describe('回复里写明的工单号（#42、42号工单、YX0315-0042 → 42）；没写则为 null'),
  compound_code: z
    .string()
    .regex(/^[A-Za-z]{1,4}\d{2,6}$/)
    .nullable()
    .describe('完整工单号里的小区代码（YX0315-0042 → "YX0315"）；没写则为 null'),
  note: z.string().max(200).nullable().describe('工单号和命令词以外的说明，照抄原话；没有则为 null'),
  target_tier: z.enum(HANDLER_TIERS).nullable().describe('transfer：转给谁；escalate：点名的上级，没点名为 null；其他意图为 null'),
  until: z
    .string()
    .regex(DAY)
    .refine(isCalendarDay, 'not a calendar day')
    .nullable()
    .describe('仅 snooze：推迟到的日期 YYYY-MM-DD（按给定的“今天”推算）；没说日期为 null'),
});

export type StaffIntentAnswer = z.infer<typeof staffIntentAnswerSchema>;

export const STAFF_INTENT_SCHEMA_NAME = 'mulin_staff_intent';

/**
 * The strict JSON Schema for response_format. Limits move into descriptions, as in
 * label-schema.ts: several OpenAI-compatible servers refuse these keywords in strict
 * mode, and the zod parse enforces them anyway.
 */
export function buildStaffIntentJsonSchema(): JsonSchemaNode {
  return strictJsonSchema(staffIntentAnswerSchema);
}

export const staffIntentJsonSchema: Readonly<JsonSchemaNode> = buildStaffIntentJsonSchema();

/**
 * The answer as the domain's StaffIntent. There is no 'llm' confidence: a reading of
 * free words is 'grammar' (the caller records that the model made it) and unknown is
 * always 'none'. Fields that do not belong to the intent are cleared; a transfer that
 * names nobody, an escalation "down" to the branch or the property company, and a
 * snooze date before today cannot be acted on and are read as unclear.
 */
export function answerToStaffIntent(a: StaffIntentAnswer, today: string): StaffIntent {
  const note = a.note?.trim() || null;
  const ticketRef = a.ticket_number === null ? null : { compoundCode: a.compound_code?.toUpperCase() ?? null, number: a.ticket_number };
  const unclear = (): StaffIntent => ({ intent: 'unknown', ticketRef, note, targetTier: null, until: null, confidence: 'none' });

  if (a.intent === 'unknown') return unclear();
  if (a.intent === 'transfer' && a.target_tier === null) return unclear();
  if (a.intent === 'escalate' && (a.target_tier === 'branch' || a.target_tier === 'property')) return unclear();
  const until = a.intent === 'snooze' && a.until !== null && a.until >= today ? a.until : null;
  return {
    intent: a.intent,
    ticketRef,
    note,
    targetTier: a.intent === 'transfer' || a.intent === 'escalate' ? a.target_tier : null,
    until,
    confidence: 'grammar',
  };
}
