import { z } from 'zod';
import { strictJsonSchema, type JsonSchemaNode } from '../../llm/strict-json-schema';
import type { ActivityDraft } from '../../domain/service-day-grammar';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * The model's reading of a secretary's plan message. Types the answer, validates it and,
 * through z.toJSONSchema, constrains the model. Extra keys are stripped on parse; the wire
 * schema forbids them.
 */
export const planAnswerSchema = z.object({
  kind: z.enum(['activities', 'unclear']).describe('activities：消息在登记服务日活动；unclear：看不出是活动安排，或缺的信息太多'),
  activities: z
    .array(
      z.object({
        month: z.number().int().min(1).max(12).nullable().describe('消息里写明的月份；没写为 null'),
        day: z.number().int().min(1).max(31).nullable().describe('消息里写明的日期（7号 → 7）；没写为 null'),
        time: z.string().regex(TIME).nullable().describe('开始时间，24 小时制 HH:MM（下午2点 → 14:00）；没写为 null'),
        place: z.string().max(30).nullable().describe('地点，照抄原话；没写为 null'),
        title: z.string().max(30).nullable().describe('活动名称，照抄原话；没写为 null'),
        bring: z.string().max(20).nullable().describe('请居民携带的东西（身份证、医保卡）；没写为 null'),
        capacity: z.number().int().min(1).max(10000).nullable().describe('报名人数上限（可报名30人、限20人 → 30、20）；没写或不限为 null'),
      }),
    )
    .max(8)
    .describe('每项活动一个对象，按消息里的顺序'),
});

export type PlanAnswer = z.infer<typeof planAnswerSchema>;

export const PLAN_SCHEMA_NAME = 'mulin_service_plan';

/** Strict JSON Schema for response_format; limits move into descriptions as in label-schema.ts. */
export function buildPlanJsonSchema(): JsonSchemaNode {
  return strictJsonSchema(planAnswerSchema);
}

export const planJsonSchema: Readonly<JsonSchemaNode> = buildPlanJsonSchema();

export function answerToDrafts(a: PlanAnswer): ActivityDraft[] {
  return a.activities.map((x) => {
    const [hour, minute] = x.time ? (x.time.split(':').map(Number) as [number, number]) : [null, 0];
    const text = (s: string | null) => s?.trim() || null;
    return { month: x.month, day: x.day, hour, minute, place: text(x.place), title: text(x.title), bring: text(x.bring), capacity: x.capacity };
  });
}
