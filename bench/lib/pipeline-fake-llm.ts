import { DEFAULT_FAKE_LABELS, startFakeOpenAi, userContent, type FakeAnswer, type FakeOpenAi, type FakeRequest } from '../../test/fakes/fake-openai';
import type { FakeLabels } from './pipeline-mix';

// The LLM stand-in: test/fakes/fake-openai.ts answering after a fixed delay with the
// fixture's labels for the text it is asked about (chit_chat for a text it does not know).

/** The resident's text and the earlier messages the pipeline sent with it, as the request carries them. */
export interface LlmRequestView {
  text: string;
  previous: string[];
}

const MESSAGE = /<message>\n([\s\S]*?)\n<\/message>/;
const PREVIOUS = /<previous n="\d+">\n([\s\S]*?)\n<\/previous>/g;

export function viewOf(req: FakeRequest): LlmRequestView {
  const content = userContent(req);
  return { text: MESSAGE.exec(content)?.[1] ?? '', previous: [...content.matchAll(PREVIOUS)].map((m) => m[1] ?? '') };
}

export interface BenchLlm {
  fake: FakeOpenAi;
  /** Requests whose text the fake did not know (answered chit_chat). */
  unknownTexts(): number;
}

export async function startBenchLlm(labels: ReadonlyMap<string, FakeLabels>, delayMs: number): Promise<BenchLlm> {
  const fake = await startFakeOpenAi();
  let unknown = 0;
  fake.script((req): FakeAnswer => {
    let answer: object | undefined = labels.get(viewOf(req).text);
    if (!answer) {
      unknown++;
      answer = DEFAULT_FAKE_LABELS;
    }
    return delayMs > 0 ? { delayMs, then: { labels: answer } } : { labels: answer };
  });
  return { fake, unknownTexts: () => unknown };
}

export interface LlmCallStats {
  calls: number;
  /** Calls about a text the LLM had already been asked about in this run: the cache should have answered. */
  repeatCalls: number;
  /** …with the same earlier messages too: the very same cache key (a race, or the entry expired). */
  repeatSameKey: number;
  /** …with other earlier messages of the sender: the context is part of the cache key. */
  repeatOtherContext: number;
  /** Calls that carried earlier messages of the sender. */
  withContext: number;
  /** Texts asked about in this window. */
  texts: Set<string>;
}

/** Reads the fake's request log in order, a window (one pass) at a time, remembering what was asked before. */
export class LlmLedger {
  private readonly texts = new Set<string>();
  private readonly keys = new Set<string>();
  private read = 0;

  constructor(private readonly fake: FakeOpenAi) {}

  take(): LlmCallStats {
    const s: LlmCallStats = { calls: 0, repeatCalls: 0, repeatSameKey: 0, repeatOtherContext: 0, withContext: 0, texts: new Set() };
    for (; this.read < this.fake.requests.length; this.read++) {
      const v = viewOf(this.fake.requests[this.read] as FakeRequest);
      const key = JSON.stringify([v.text, v.previous]);
      s.calls++;
      s.texts.add(v.text);
      if (v.previous.length > 0) s.withContext++;
      if (this.texts.has(v.text)) {
        s.repeatCalls++;
        if (this.keys.has(key)) s.repeatSameKey++;
        else s.repeatOtherContext++;
      }
      this.texts.add(v.text);
      this.keys.add(key);
    }
    return s;
  }
}
