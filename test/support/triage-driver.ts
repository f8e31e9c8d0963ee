import { inboundIdFor, streamIdFor } from '../../src/channels/wecom/ids';
import type { Ticket } from '../../src/domain/ticket';
import { createRedis } from '../../src/queues/redis';
import type { StoredInbound } from '../../src/store/inbound-repo';
import { DEFAULT_FAKE_LABELS, userContent, type FakeAnswer, type FakeOpenAi, type FakeRequest } from '../fakes/fake-openai';
import { REDIS_URL } from './env';
import { eventually, type Harness } from './harness';

/*
 * Drives residents' group messages through the real webhook and reads back what WeCom would
 * show: the stream answer, the stored message, the ticket. Shared by the triage component tests.
 */

export const GROUP_YX0315 = 'wrkSFfCgAAyhmdFAKE0315a';
export const GROUP_YX0316 = 'wrkSFfCgAAnjhyFAKE0316a';
export const WEBHOOK_KEY_YX0315 = '00000315-fake-4000-8000-000000000001';
export const WEBHOOK_KEY_YX0316 = '00000316-fake-4000-8000-000000000002';

/** Generous: two cores are shared with other work. */
export const SLOW = 25_000;

/** Env that puts the fake LLM behind the real OpenAI SDK. */
export function llmEnv(fake: FakeOpenAi, extra: Record<string, string> = {}): Record<string, string> {
  return { OPENAI_BASE_URL: fake.baseUrl, OPENAI_MODEL: 'fake-model', OPENAI_API_KEY: 'test', ...extra };
}

export interface Sent {
  msgid: string;
  id: string;
  chatid: string;
  userid: string;
  text: string;
}

interface StreamAnswer {
  msgtype: string;
  stream: { id: string; finish: boolean; content: string };
}

let serial = 0;

/** Posts a group @-mention as WeCom would; the webhook must acknowledge it with a stream. */
export async function say(h: Harness, m: { chatid: string; userid: string; text: string; msgid?: string }): Promise<Sent> {
  const msgid = m.msgid ?? `${h.name}-msg-${++serial}`;
  const res = await h.sim.post(h.sim.aibotText({ msgid, chatid: m.chatid, userid: m.userid, text: m.text }));
  if (res.status !== 200) throw new Error(`callback answered ${res.status}: ${res.text}`);
  const first = h.sim.openAibotReply(res.text) as StreamAnswer;
  const id = inboundIdFor('wecom_aibot', msgid);
  if (first.msgtype !== 'stream' || first.stream.id !== streamIdFor(id)) throw new Error(`unexpected first answer ${JSON.stringify(first)}`);
  return { msgid, id, chatid: m.chatid, userid: m.userid, text: m.text };
}

/** Polls the stream like WeCom does until it is finished; returns what the group reads. */
export async function answerTo(h: Harness, sent: Sent, timeoutMs = SLOW): Promise<string> {
  const answer = await eventually(
    async () => {
      const res = await h.sim.post(h.sim.aibotStreamRefresh({ streamId: streamIdFor(sent.id), chatid: sent.chatid, userid: sent.userid }));
      if (res.status !== 200) return undefined;
      const a = h.sim.openAibotReply(res.text) as StreamAnswer;
      return a.stream.finish ? a : undefined;
    },
    timeoutMs,
    `the answer to "${sent.text}"`,
  );
  return answer.stream.content;
}

/** The stored message once the intake job has finished with it. */
export async function handled(h: Harness, sent: Sent, timeoutMs = SLOW): Promise<StoredInbound> {
  return eventually(
    async () => {
      const m = await h.services.inbound.get(sent.id);
      return m?.status === 'done' ? m : undefined;
    },
    timeoutMs,
    `"${sent.text}" to be handled`,
  );
}

/** Says it, waits for the stream answer and the stored outcome. */
export async function converse(h: Harness, m: { chatid: string; userid: string; text: string; msgid?: string }): Promise<{ sent: Sent; answer: string; stored: StoredInbound }> {
  const sent = await say(h, m);
  const answer = await answerTo(h, sent);
  const stored = await handled(h, sent);
  return { sent, answer, stored };
}

export async function allTickets(h: Harness): Promise<Ticket[]> {
  return h.services.tickets.list({ limit: 500 });
}

/** The LLM requests whose <message> block carried this text (as the LLM saw it). */
export function llmCallsAbout(fake: FakeOpenAi, text: string): FakeRequest[] {
  return fake.requests.filter((r) => messageBlock(r).includes(text));
}

/** The resident's message as sent to the LLM (between <message> tags). */
export function messageBlock(r: FakeRequest): string {
  return /<message>\n([\s\S]*?)\n<\/message>/.exec(userContent(r))?.[1] ?? '';
}

/** The earlier messages sent along as context (between <previous> tags). */
export function previousBlocks(r: FakeRequest): string[] {
  return [...userContent(r).matchAll(/<previous n="\d+">\n([\s\S]*?)\n<\/previous>/g)].map((m) => m[1] ?? '');
}

/** A full, valid LLM answer; pass what differs from a chatter classification. */
export function labels(partial: Partial<Record<keyof typeof DEFAULT_FAKE_LABELS, unknown>>): object {
  return { ...DEFAULT_FAKE_LABELS, ...partial };
}

/**
 * Answers by the resident's text: each test registers the answer for its own message, so
 * tests never depend on the order requests arrive in. Unregistered texts get chatter labels.
 */
export class LlmScript {
  private readonly rules: Array<{ contains: string; answer: FakeAnswer }> = [];

  constructor(fake: FakeOpenAi) {
    fake.script((req) => this.rules.find((r) => messageBlock(req).includes(r.contains))?.answer ?? { labels: DEFAULT_FAKE_LABELS });
  }

  when(contains: string, answer: FakeAnswer): void {
    this.rules.unshift({ contains, answer });
  }
}

/** Waits until every queued WeCom delivery has been attempted (nothing waiting, active or delayed). */
export async function deliveriesSettled(h: Harness): Promise<void> {
  await eventually(
    async () => {
      const c = await h.services.deliveryQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      return Object.values(c).every((n) => n === 0);
    },
    SLOW,
    'the delivery queue to drain',
  );
}

/** For `eventually`: undefined until the list has something in it. */
export function nonEmpty<T>(xs: T[]): T[] | undefined {
  return xs.length > 0 ? xs : undefined;
}

/**
 * The prompts a user got about a ticket, one entry per 1:1 app message (a card and its text
 * form are two entries). A prompt sent twice shows up as two entries of the same msgtype.
 */
export function promptsAbout(h: Harness, userId: string, ref: string): Array<{ msgtype: string; body: string }> {
  return h.fake
    .callsTo('message/send')
    .filter((c) => String((c.body as { touser?: string }).touser ?? '').split('|').includes(userId))
    .map((c) => ({ msgtype: String((c.body as { msgtype?: string }).msgtype), body: JSON.stringify(c.body) }))
    .filter((p) => p.body.includes(`#${ref}`));
}

/** Texts posted through a group's push webhook. */
export function webhookPosts(h: Harness, webhookKey: string): string[] {
  return h.fake
    .callsTo('webhook/send')
    .filter((c) => c.query.key === webhookKey)
    .map((c) => String((c.body as { text?: { content?: string } }).text?.content ?? JSON.stringify(c.body)));
}

/** Drops the Redis keys a harness leaves outside its queues (LLM budget and cache, streams). */
export async function dropHarnessKeys(name: string): Promise<void> {
  const redis = createRedis(REDIS_URL, 'worker');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
