import { z } from 'zod';

export type JsonSchemaNode = Record<string, unknown>;

// Several OpenAI-compatible servers refuse these keywords in strict mode; the zod
// parse of the answer enforces them anyway, so the model reads them as words.
const MOVED_TO_DESCRIPTION: ReadonlyArray<[string, (v: unknown) => string]> = [
  ['maxLength', (v) => `最多 ${String(v)} 个字`],
  ['maxItems', (v) => `最多 ${String(v)} 项`],
  ['pattern', (v) => `格式 ${String(v)}`],
  ['minimum', (v) => `最小 ${String(v)}`],
  ['maximum', (v) => `最大 ${String(v)}`],
];

/** The JSON Schema of a zod schema, for response_format (strict) or quoted in a json_object prompt. */
export function strictJsonSchema(schema: z.ZodType): JsonSchemaNode {
  const out = z.toJSONSchema(schema, {
    target: 'draft-7',
    override: ({ jsonSchema }) => {
      const node = jsonSchema as JsonSchemaNode;
      const limits = MOVED_TO_DESCRIPTION.filter(([key]) => key in node).map(([key, say]) => {
        const text = say(node[key]);
        delete node[key];
        return text;
      });
      if (limits.length) {
        const said = limits.join('，');
        node.description = typeof node.description === 'string' ? `${node.description}（${said}）` : said;
      }
    },
  }) as JsonSchemaNode;
  delete out.$schema;
  return out;
}
