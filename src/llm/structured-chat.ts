import OpenAI, { type ClientOptions } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { z } from 'zod';
import { LlmSchemaError, type LlmUsage } from './classifier';
import type { Prompt } from './prompt';
import { abortAsError, stripCodeFence, toLlmError, usageOf } from './sdk-helpers';

export interface StructuredChatOptions {
  baseUrl: string;
  /** Local servers (Ollama, vLLM) ignore it; the SDK still needs a value. */
  apiKey?: string;
  model: string;
  timeoutMs: number;
  maxRetries?: number;
  /** Providers without json_schema get the schema in the prompt instead. */
  responseFormat?: 'json_schema' | 'json_object';
  prompt: Prompt;
  schemaName: string;
  jsonSchema: Readonly<Record<string, unknown>>;
  maxOutputTokens: number;
  fetch?: ClientOptions['fetch'];
  now?: () => number;
}

export interface StructuredAnswer<T> {
  data: T;
  model: string;
  promptVersion: string;
  usage: LlmUsage;
  latencyMs: number;
}

/**
 * One system prompt, one user message, one answer that must parse against a zod
 * schema: what every LLM reader here does. Throws LlmUnavailableError (the SDK's
 * failures) or LlmSchemaError (anything that does not validate).
 */
export class StructuredChat<S extends z.ZodType> {
  private readonly client: OpenAI;
  private readonly systemText: string;
  private readonly responseFormat: ChatCompletionCreateParamsNonStreaming['response_format'];
  private readonly now: () => number;

  constructor(
    private readonly opts: StructuredChatOptions,
    private readonly schema: S,
  ) {
    this.client = new OpenAI({
      baseURL: opts.baseUrl,
      apiKey: opts.apiKey ?? 'none',
      timeout: opts.timeoutMs,
      maxRetries: opts.maxRetries ?? 1,
      fetch: abortAsError(opts.fetch ?? globalThis.fetch),
      // Explicit, or the SDK would read OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment behind config's back.
      organization: null,
      project: null,
    });
    this.now = opts.now ?? (() => performance.now());
    // The version travels in the request too, so a provider-side log can be traced to the file.
    const system = `${opts.prompt.text}\n\n（提示词版本：${opts.prompt.version}）`;
    if ((opts.responseFormat ?? 'json_schema') === 'json_schema') {
      this.systemText = system;
      this.responseFormat = { type: 'json_schema', json_schema: { name: opts.schemaName, strict: true, schema: { ...opts.jsonSchema } } };
    } else {
      // JSON mode also requires the word "JSON" in the messages, which this adds.
      this.systemText = `${system}\n\n# 输出的 JSON Schema\n\n${JSON.stringify(opts.jsonSchema)}`;
      this.responseFormat = { type: 'json_object' };
    }
  }

  async complete(userContent: string, callOpts: { signal?: AbortSignal } = {}): Promise<StructuredAnswer<z.output<S>>> {
    const started = this.now();
    let completion: ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(
        {
          model: this.opts.model,
          temperature: 0,
          max_tokens: this.opts.maxOutputTokens,
          response_format: this.responseFormat,
          messages: [
            { role: 'system', content: this.systemText },
            { role: 'user', content: userContent },
          ],
        },
        { signal: callOpts.signal },
      );
    } catch (err) {
      throw toLlmError(err);
    }
    const latencyMs = Math.round(this.now() - started);
    const usage = usageOf(completion);
    const choice = completion.choices[0];
    const content = choice?.message.content ?? '';
    if (choice?.finish_reason === 'length') throw new LlmSchemaError(content.length, ['answer cut off at max tokens'], usage);
    if (choice?.message.refusal) throw new LlmSchemaError(content.length, ['the model refused'], usage);
    let json: unknown;
    try {
      json = JSON.parse(stripCodeFence(content));
    } catch {
      throw new LlmSchemaError(content.length, ['not JSON'], usage);
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success) {
      // Paths and codes only: zod messages may quote the offending value.
      throw new LlmSchemaError(content.length, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`), usage);
    }
    return { data: parsed.data, model: completion.model || this.opts.model, promptVersion: this.opts.prompt.version, usage, latencyMs };
  }
}
