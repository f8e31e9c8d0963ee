import { toStrictJsonSchema } from 'openai/lib/transform';
import { CATEGORY_CODES, TIERS, URGENCIES, type Labels } from '../../src/domain/labels';
import { llmLabelsJsonSchema, llmLabelsSchema, type LlmLabels } from '../../src/llm/label-schema';

const valid: LlmLabels = {
  actionable: true,
  category: 'illegal_parking',
  tier: 'enforcement',
  urgency: 'high',
  building: '5栋',
  needs_clarification: false,
  summary: '5栋门口车辆占用消防通道',
  clarifying_question: null,
};

type Node = Record<string, unknown>;

/** Every schema node, depth first, with its path. */
function walk(node: Node, path = '#', out: Array<[string, Node]> = []): Array<[string, Node]> {
  out.push([path, node]);
  for (const [k, v] of Object.entries((node.properties as Record<string, Node> | undefined) ?? {})) walk(v, `${path}/properties/${k}`, out);
  for (const [i, v] of ((node.anyOf as Node[] | undefined) ?? []).entries()) walk(v, `${path}/anyOf/${i}`, out);
  if (node.items && typeof node.items === 'object') walk(node.items as Node, `${path}/items`, out);
  return out;
}

describe('the JSON Schema sent to the model', () => {
  const props = llmLabelsJsonSchema.properties as Record<string, Node>;

  it('is what OpenAI strict mode accepts: the SDK strict transform finds nothing to change', () => {
    const copy = structuredClone(llmLabelsJsonSchema) as Record<string, unknown>;
    expect(toStrictJsonSchema(copy)).toEqual(llmLabelsJsonSchema);
  });

  it('requires every property and forbids extra ones on every object', () => {
    const objects = walk(llmLabelsJsonSchema as Node).filter(([, n]) => n.type === 'object');
    expect(objects.length).toBeGreaterThan(0);
    for (const [, n] of objects) {
      expect(n.additionalProperties).toBe(false);
      expect([...(n.required as string[])].sort()).toEqual(Object.keys(n.properties as object).sort());
    }
    expect(Object.keys(props).sort()).toEqual(
      ['actionable', 'building', 'category', 'clarifying_question', 'needs_clarification', 'summary', 'tier', 'urgency'],
    );
  });

  it('limits the model to our label codes', () => {
    expect(props.category?.enum).toEqual([...CATEGORY_CODES]);
    expect(props.tier?.enum).toEqual([...TIERS]);
    expect(props.urgency?.enum).toEqual([...URGENCIES]);
  });

  it('states nullable fields as anyOf with null', () => {
    for (const key of ['building', 'clarifying_question']) {
      expect(props[key]?.anyOf).toEqual(expect.arrayContaining([{ type: 'null' }, expect.objectContaining({ type: 'string' })]));
    }
    expect(props.summary?.type).toBe('string');
  });

  it('carries length limits as descriptions, not keywords some servers refuse', () => {
    const nodes = walk(llmLabelsJsonSchema as Node);
    expect(nodes.filter(([, n]) => 'maxLength' in n || 'minLength' in n || 'pattern' in n)).toEqual([]);
    expect(llmLabelsJsonSchema).not.toHaveProperty('$schema');
    expect(props.summary?.description).toContain('40');
  });
});

describe('llmLabelsSchema', () => {
  it('accepts a well-formed answer and types it as our labels', () => {
    const { clarifying_question: _q, ...labels } = llmLabelsSchema.parse(valid);
    // Compile-time half of the test: the parsed answer is assignable to Labels.
    const typed: Labels = labels;
    const { clarifying_question: _v, ...expected } = valid;
    expect(typed).toEqual(expected);
  });

  it('accepts a clarifying question in Chinese', () => {
    const answer = { ...valid, building: null, needs_clarification: true, clarifying_question: '请问是几栋？' };
    expect(llmLabelsSchema.safeParse(answer).success).toBe(true);
  });

  it('strips keys the model adds on its own', () => {
    expect(llmLabelsSchema.parse({ ...valid, reasoning: 'because' })).not.toHaveProperty('reasoning');
  });

  it.each([
    ['a category not in our list', { category: 'parking_problem' }, 'category'],
    ['a tier not in our list', { tier: 'police' }, 'tier'],
    ['an urgency not in our list', { urgency: 'urgent' }, 'urgency'],
    ['a summary over 40 characters', { summary: '很'.repeat(41) }, 'summary'],
    ['a building over 20 characters', { building: '1'.repeat(21) }, 'building'],
    ['a clarifying question over 30 characters', { needs_clarification: true, clarifying_question: '请'.repeat(31) }, 'clarifying_question'],
    ['a clarifying question not in Chinese', { needs_clarification: true, clarifying_question: 'Which building?' }, 'clarifying_question'],
    ['a string where a boolean belongs', { actionable: 'true' }, 'actionable'],
    ['a missing field', { summary: undefined }, 'summary'],
  ])('rejects %s', (_name, patch, path) => {
    const result = llmLabelsSchema.safeParse({ ...valid, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
