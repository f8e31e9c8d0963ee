import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TIER, type Category, type Tier, type Urgency } from '../../src/domain/labels';
import { maskForLlm } from '../../src/llm/openai-classifier';

// The messages residents send to the bot, drawn from the labelled fixtures: mostly chatter
// (thanks, greetings, sign-ups, adverts, remarks about the bot), the rest problems of every
// category, some emergencies, "+1"s, and the same text again from other residents of the same
// compound and of others. Deterministic for a given seed.

export type MixKind = 'chatter' | 'problem' | 'emergency' | 'follow_up' | 'context';
export type RepeatKind = 'same_compound' | 'other_compound';

/** What the fake LLM answers for a text: the fixture's labels plus the fields the schema needs. */
export interface FakeLabels {
  actionable: boolean;
  category: Category;
  tier: Tier;
  urgency: Urgency;
  building: string | null;
  needs_clarification: boolean;
  summary: string;
  clarifying_question: string | null;
}

type Expected = Omit<FakeLabels, 'summary' | 'clarifying_question'>;

interface FixtureEntry {
  id: string;
  text: string;
  context: { previousTexts: string[]; underServiceDayPost: boolean };
  expected: Expected;
}

export interface MixMessage {
  msgid: string;
  /** Index of the compound (see pipeline-compounds.ts). */
  compound: number;
  sender: string;
  text: string;
  kind: MixKind;
  /** The fixture's category for the text. */
  category: Category;
  /** The exact text was already sent in this run, by another resident. */
  repeat: RepeatKind | null;
  /** Replay pass: the sender had already written in pass 1, so the pipeline adds their messages as context. */
  returning: boolean;
}

export interface MixOptions {
  messages: number;
  compounds: number;
  chatterShare: number;
  repeatShare: number;
  seed: number;
  idPrefix: string;
}

const FIXTURES = ['group-messages.jsonl', 'group-messages-holdout.jsonl'];
const EMERGENCY_SHARE = 0.03;
const FOLLOW_UP_SHARE = 0.05;
/** Of the chatter, this much is the short stuff that fills real groups ("谢谢书记", "收到"). */
const SHORT_CHATTER_SHARE = 0.4;
const RESIDENTS_PER_COMPOUND = 40;
/** A repeat copies one of the last this many messages: neighbours react within minutes. */
const REPEAT_WINDOW = 300;
const SHORT_CHATTER = [
  '谢谢',
  '谢谢书记',
  '好的谢谢',
  '收到',
  '好的',
  '辛苦了',
  '谢谢书记，辛苦了🙏',
  '早上好',
  '大家早上好',
  '晚安',
  '👍',
  '👍👍👍',
  '哈哈哈',
  '了解了',
  '明白',
  '感谢物业',
  '大家好',
  '新年快乐',
  '点赞',
  '好的 知道了',
];
/** "+1" and chasers: they second an earlier report (the LLM reads them as other_issue). */
const FOLLOW_UPS = ['+1', '同上', '我家也是', '还没人管吗', '同问', '怎么还没修好'];
// Residents say the same thing differently: the k-th use of a fixture text gets the k-th variant.
const PREFIXES = ['', '书记 ', '请问一下 ', '各位邻居 ', '麻烦问下 ', '你好 '];
const SUFFIXES = ['', '！', ' 谢谢', '。', ' 🙏', ' 麻烦看看'];
const CLARIFY = '请问具体在几栋、哪个位置？';

/** Seeded, so two runs send the same mix. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The text as the LLM request carries it: what the fake looks labels up by. */
export function llmKey(text: string): string {
  return maskForLlm(text);
}

function loadFixtures(): FixtureEntry[] {
  const dir = join(__dirname, '..', '..', 'test', 'fixtures');
  return FIXTURES.flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as FixtureEntry),
  );
}

function labelsFor(expected: Expected, text: string): FakeLabels {
  return { ...expected, summary: [...llmKey(text)].slice(0, 30).join(''), clarifying_question: expected.needs_clarification ? CLARIFY : null };
}

const CHATTER_LABELS: Expected = { actionable: false, category: 'chit_chat', tier: 'none', urgency: 'low', building: null, needs_clarification: false };

const FOLLOW_UP_LABELS: Expected = { actionable: true, category: 'other_issue', tier: DEFAULT_TIER.other_issue, urgency: 'normal', building: null, needs_clarification: false };

export class MessageMix {
  readonly messages: MixMessage[] = [];
  /** llmKey(text) → what the fake LLM answers. */
  readonly labels = new Map<string, FakeLabels>();
  private readonly random: () => number;
  private readonly uses = new Map<string, number>();
  private readonly pools: Record<'chatter' | 'problem' | 'emergency', FixtureEntry[]>;

  constructor(private readonly opts: MixOptions) {
    this.random = mulberry32(opts.seed);
    // The pipeline never knows it is under a service-day post, so those fixtures would be misread on purpose.
    const entries = loadFixtures().filter((e) => !e.context.underServiceDayPost);
    this.pools = {
      chatter: entries.filter((e) => !e.expected.actionable),
      problem: entries.filter((e) => e.expected.actionable && e.expected.category !== 'emergency'),
      emergency: entries.filter((e) => e.expected.category === 'emergency'),
    };
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)] as T;
  }

  private resident(compound: number, not?: string): string {
    for (;;) {
      const s = `r${compound + 1}-${Math.floor(this.random() * RESIDENTS_PER_COMPOUND)}`;
      if (s !== not) return s;
    }
  }

  private push(m: Omit<MixMessage, 'msgid' | 'returning'>, labels: Expected, pass = 'p1'): void {
    this.messages.push({ ...m, msgid: `${this.opts.idPrefix}-${pass}-${this.messages.length}`, returning: false });
    const key = llmKey(m.text);
    if (!this.labels.has(key)) this.labels.set(key, labelsFor(labels, m.text));
  }

  private variant(e: FixtureEntry): string {
    const k = this.uses.get(e.id) ?? 0;
    this.uses.set(e.id, k + 1);
    const extra = Math.floor(k / (PREFIXES.length * SUFFIXES.length));
    return `${PREFIXES[k % PREFIXES.length]}${e.text}${SUFFIXES[Math.floor(k / PREFIXES.length) % SUFFIXES.length]}${extra > 0 ? ` ${'！'.repeat(extra)}` : ''}`;
  }

  /** A compound where a problem was reported lately, most of the time: that is where "+1"s come from. */
  private compoundForFollowUp(): number {
    const recent = this.messages.slice(-60).filter((m) => m.kind === 'problem');
    if (recent.length > 0 && this.random() < 0.8) return this.pick(recent).compound;
    return Math.floor(this.random() * this.opts.compounds);
  }

  build(): this {
    const { messages: total, compounds, chatterShare, repeatShare } = this.opts;
    while (this.messages.length < total) {
      const originals = this.messages.slice(-REPEAT_WINDOW).filter((m) => m.kind !== 'context');
      if (originals.length >= 20 && this.random() < repeatShare) {
        const o = this.pick(originals);
        const same = compounds === 1 || this.random() < 0.5;
        let compound = o.compound;
        while (!same && compound === o.compound) compound = Math.floor(this.random() * compounds);
        const labels = this.labels.get(llmKey(o.text)) as FakeLabels;
        this.push({ compound, sender: this.resident(compound, o.sender), text: o.text, kind: o.kind, category: o.category, repeat: same ? 'same_compound' : 'other_compound' }, labels);
        continue;
      }
      const r = this.random();
      if (r < chatterShare) {
        const compound = Math.floor(this.random() * compounds);
        if (this.random() < SHORT_CHATTER_SHARE) {
          const text = this.pick(SHORT_CHATTER);
          this.push({ compound, sender: this.resident(compound), text, kind: 'chatter', category: 'chit_chat', repeat: null }, CHATTER_LABELS);
        } else {
          this.fromFixture(this.pick(this.pools.chatter), 'chatter', compound);
        }
      } else if (r < chatterShare + EMERGENCY_SHARE) {
        this.fromFixture(this.pick(this.pools.emergency), 'emergency', Math.floor(this.random() * compounds));
      } else if (r < chatterShare + EMERGENCY_SHARE + FOLLOW_UP_SHARE) {
        const compound = this.compoundForFollowUp();
        this.push({ compound, sender: this.resident(compound), text: this.pick(FOLLOW_UPS), kind: 'follow_up', category: 'other_issue', repeat: null }, FOLLOW_UP_LABELS);
      } else {
        this.fromFixture(this.pick(this.pools.problem), 'problem', Math.floor(this.random() * compounds));
      }
    }
    this.messages.length = total;
    return this;
  }

  /** A fixture written with earlier messages: the same resident sends those first. */
  private fromFixture(e: FixtureEntry, kind: MixKind, compound: number): void {
    const sender = this.resident(compound);
    for (const p of e.context.previousTexts) this.push({ compound, sender, text: p, kind: 'context', category: e.expected.category, repeat: null }, e.expected);
    this.push({ compound, sender, text: this.variant(e), kind, category: e.expected.category, repeat: null }, e.expected);
  }

  /**
   * Pass 2: `count` texts of pass 1 sent again in their compound, half by residents who
   * have not written yet and half by residents who wrote in pass 1 (whose earlier
   * messages the pipeline adds as context).
   */
  replay(count: number): MixMessage[] {
    const originals = this.messages.filter((m) => m.kind !== 'context');
    const sendersOf = new Map<number, Set<string>>();
    for (const m of this.messages) sendersOf.set(m.compound, (sendersOf.get(m.compound) ?? new Set()).add(m.sender));
    const out: MixMessage[] = [];
    for (let i = 0; i < count; i++) {
      const o = this.pick(originals);
      const returning = i % 2 === 1;
      const others = [...(sendersOf.get(o.compound) ?? [])].filter((s) => s !== o.sender);
      const sender = returning ? (others.length > 0 ? this.pick(others) : o.sender) : `n${o.compound + 1}-${i}`;
      out.push({ ...o, msgid: `${this.opts.idPrefix}-p2-${i}`, sender, repeat: 'same_compound', returning });
    }
    return out;
  }
}

/** The printed description of a batch: what kinds, how many repeats, how spread out. */
export function describeMix(title: string, messages: readonly MixMessage[]): string[] {
  const n = messages.length;
  const pct = (k: number) => `${((100 * k) / Math.max(n, 1)).toFixed(1)}%`;
  const count = <K extends string>(key: (m: MixMessage) => K) => {
    const m = new Map<K, number>();
    for (const x of messages) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
    return [...m].sort((a, b) => b[1] - a[1]);
  };
  const lines = [`${title}: ${n} messages, ${new Set(messages.map((m) => m.text)).size} distinct texts`];
  lines.push(`  by kind: ${count((m) => m.kind).map(([k, v]) => `${k} ${v} (${pct(v)})`).join(', ')}`);
  const nonIssue = messages.filter((m) => m.kind === 'chatter');
  lines.push(`  chatter by label: ${count((m) => (m.kind === 'chatter' ? m.category : '-')).filter(([k]) => k !== '-').map(([k, v]) => `${k} ${v}`).join(', ')} (${pct(nonIssue.length)} of all)`);
  lines.push(
    `  problems by label: ${count((m) => (m.kind === 'problem' ? m.category : '-'))
      .filter(([k]) => k !== '-')
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  const rep = count((m) => m.repeat ?? 'first');
  lines.push(`  exact repeats of an earlier text by another resident: ${rep.filter(([k]) => k !== 'first').map(([k, v]) => `${k.replace('_', ' ')} ${v}`).join(', ') || 'none'}`);
  const senders = count((m) => `${m.compound}/${m.sender}`);
  lines.push(
    `  ${new Set(messages.map((m) => m.compound)).size} compounds, ${senders.length} senders, ${senders.filter(([, v]) => v > 1).length} of them with more than one message` +
      (messages.some((m) => m.returning) ? `; ${messages.filter((m) => m.returning).length} from residents who wrote in pass 1` : ''),
  );
  return lines;
}
