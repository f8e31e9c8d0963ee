import { z } from 'zod';
import { strictJsonSchema, type JsonSchemaNode } from './strict-json-schema';
import { CATEGORY_CODES, TIERS, URGENCIES } from '../domain/labels';

const HAN = /\p{Script=Han}/u;

/**
 * The model's answer. This one schema types the answer, validates it, and (through
 * z.toJSONSchema) is what the model is constrained to: it can only pick our codes.
 * Unknown extra keys are stripped on parse rather than rejected; the wire schema
 * still forbids them.
 */
export const llmLabelsSchema = z.object({
  actionable: z.boolean().describe('是否需要立工单或并入已有工单'),
  category: z.enum(CATEGORY_CODES).describe('类别代码'),
  tier: z.enum(TIERS).describe('处理层级代码（按类别的默认分派）'),
  urgency: z.enum(URGENCIES).describe('紧急程度'),
  building: z.string().max(20).nullable().describe('规范化后的楼栋，如 "3栋"、"12幢2单元"；未提到则为 null'),
  needs_clarification: z.boolean().describe('需要处理但地点或问题不清楚时为 true'),
  summary: z.string().max(40).describe('给书记看的一句话摘要，不含个人信息'),
  clarifying_question: z
    .string()
    .max(30)
    .refine((q) => HAN.test(q), 'must be Chinese')
    .nullable()
    .describe('needs_clarification 为 true 时在群里追问的一句中文短问题，否则为 null'),
});

export type LlmLabels = z.infer<typeof llmLabelsSchema>;

export const LLM_LABELS_SCHEMA_NAME = 'mulin_labels';

/**
 * The JSON Schema sent as response_format (strict) and, in json_object mode, quoted
 * in the prompt. Length limits move into the description: several OpenAI-compatible
 * servers reject maxLength in strict mode, and the zod parse enforces them anyway.
 */
export function buildLabelsJsonSchema(): JsonSchemaNode {
  return strictJsonSchema(llmLabelsSchema);
}

export const llmLabelsJsonSchema: Readonly<JsonSchemaNode> = buildLabelsJsonSchema();
