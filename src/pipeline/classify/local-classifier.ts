import { DEFAULT_TIER, NON_ACTIONABLE_CATEGORIES, type Category, type Labels, type Urgency } from '../../domain/labels';
import { buildSummary } from './build-summary';
import { detectEmergency } from './emergency-rules';
import { extractBuilding, extractLandmark } from './extract-place';
import { detectNonIssue } from './non-issue-rules';
import { normaliseText } from './normalise-text';
import { ISSUE_THRESHOLD, scoreCategories, type CategoryScore } from './score-categories';
import { urgencyFor, URGENCY_RANK } from './urgency-rules';

// The deterministic classifier: the fallback when the LLM is down and the
// pre-filter that spares it chatter. Order: emergencies, non-issues, follow-ups
// ("+1"), then weighted keywords.

export interface LocalContext {
  /** The same sender's earlier messages, oldest first. */
  previousTexts?: string[];
  underServiceDayPost?: boolean;
}

export type LocalLabels = Labels & { confidence: number; matchedRules: string[] };

// Categories where a secretary cannot act without knowing where.
const PLACE_MATTERS: ReadonlySet<Category> = new Set<Category>([
  'illegal_parking',
  'garbage',
  'facility_repair',
  'fire_hazard',
  'illegal_construction',
  'green_occupation',
  'space_encroachment',
]);

// Two problems in one message: the more urgent wins, then the more serious.
// Only comparably strong signals compete, so a stray keyword cannot win.
const COMPARABLE = 0.7;
const SEVERITY: readonly Category[] = [
  'fire_hazard',
  'facility_repair',
  'illegal_construction',
  'space_encroachment',
  'illegal_parking',
  'green_occupation',
  'neighbor_dispute',
  'noise',
  'garbage',
  'pet',
  'property_service',
  'other_issue',
  'service_request',
  'policy_inquiry',
  'micro_wish',
];

// Short "me too" forms count only at the start: 哈哈我也是这么想的 is chatter.
const FOLLOW_UP =
  /^(?:[+＋]\s*1|同上|同问|我也是|我家也是|我们也是)|(?:同样|一样)的问题|也有这个问题|还没人管|还没人来|没人来修|还不来|没人管吗|有人管吗|还没修|还没处理|怎么还没|还没好|催一下|顶一下|再反映一下|还是没人|什么时候(?:修|处理|来)|第.次反映|反映了?(?:好几|多|几)次|说了(?:多少|好几|几)次|还是这样|一直没人?(?:管|修|处理)|到底(?:有没有人)?管不管/;
const VAGUE = /有个?(?:问题|事情?)|出事了|书记在吗|在吗|有人吗|反映(?:一下|个)|想反映|帮帮忙|怎么办啊?$|谁来管|谁管/;
/** Keyword weight that counts as a topic only when a complaint cue backs it. */
const WEAK_TOPIC = 1;
// Complaint cues: an uncategorised message with these is a problem, not chatter
// (the bot only sees messages that @ it, so problems are the common case).
const PROBLEMISH =
  /坏|投诉|举报|没人管|太差|麻烦|解决|处理一下|危险|不行|受不了|严重|老是|总是|老有|又有|乱|吵|臭|谁家的|管管|管一下|影响|不像话|太过分|没素质|恶心|怎么回事|怎么搞的|有问题|出问题|陌生人|吓人|出事/;

interface Draft {
  category: Category;
  urgency: Urgency;
  confidence: number;
  rules: string[];
  vague?: boolean;
}

function finish(text: string, draft: Draft): LocalLabels {
  const actionable = !NON_ACTIONABLE_CATEGORIES.includes(draft.category);
  // Only a ticket needs a place; chatter that names a building does not.
  const building = actionable ? extractBuilding(text) : null;
  const landmark = actionable ? extractLandmark(text) : null;
  const placeMissing = PLACE_MATTERS.has(draft.category) && !building && !landmark;
  return {
    actionable,
    category: draft.category,
    tier: DEFAULT_TIER[draft.category],
    urgency: draft.urgency,
    building,
    needs_clarification: actionable && (placeMissing || draft.vague === true),
    summary: buildSummary(draft.category, building ?? landmark, text),
    confidence: draft.confidence,
    matchedRules: draft.rules,
  };
}

function pickByKeywords(norm: string, scores: CategoryScore[]): Draft {
  const best = scores[0] as CategoryScore;
  const ranked = scores
    .filter((s) => s.score >= ISSUE_THRESHOLD && s.score >= best.score * COMPARABLE)
    .map((s) => ({ ...s, urgency: urgencyFor(s.category, norm) }))
    .sort(
      (a, b) =>
        URGENCY_RANK[b.urgency] - URGENCY_RANK[a.urgency] ||
        b.score - a.score ||
        SEVERITY.indexOf(a.category) - SEVERITY.indexOf(b.category),
    );
  const top = ranked[0] ?? { ...best, urgency: urgencyFor(best.category, norm) };
  const contested = ranked.length > 1 ? 0.1 : 0;
  return {
    category: top.category,
    urgency: top.urgency,
    confidence: Math.round((0.5 + Math.min(0.35, top.score * 0.05) - contested) * 100) / 100,
    rules: [`keywords:${top.category}(${top.score}):${top.hits.slice(0, 4).join(',')}`],
  };
}

// No category reached the threshold: decide between "+1", a vague or
// uncategorised complaint, and chatter.
function withoutKeywords(norm: string, scores: CategoryScore[]): Draft {
  if (FOLLOW_UP.test(norm.trim())) return { category: 'other_issue', urgency: 'normal', confidence: 0.3, rules: ['follow-up:no-context'] };
  if (VAGUE.test(norm)) return { category: 'other_issue', urgency: 'normal', confidence: 0.35, rules: ['vague-problem'], vague: true };
  if (!PROBLEMISH.test(norm)) return { category: 'chit_chat', urgency: 'low', confidence: 0.4, rules: ['no-signal'] };
  // A topic word too weak on its own ("电梯") plus a complaint cue ("太吓人了") still names the category.
  const topic = scores[0];
  if (topic && topic.score >= WEAK_TOPIC) {
    const rules = [`weak-topic+complaint:${topic.category}(${topic.score})`];
    return { category: topic.category, urgency: urgencyFor(topic.category, norm), confidence: 0.35, rules };
  }
  return { category: 'other_issue', urgency: 'normal', confidence: 0.3, rules: ['complaint-cue'] };
}

export function classifyLocally(text: string, ctx: LocalContext = {}): LocalLabels {
  const emergency = detectEmergency(text);
  if (emergency) {
    const rules = [`emergency:${emergency.kind}:${emergency.matched}`];
    return finish(text, { category: 'emergency', urgency: 'critical', confidence: 0.95, rules });
  }
  const nonIssue = detectNonIssue(text, ctx);
  if (nonIssue) return finish(text, { category: nonIssue.category, urgency: 'low', confidence: 0.9, rules: [`non-issue:${nonIssue.reason}`] });

  const norm = normaliseText(text);
  const scores = scoreCategories(norm);
  const strong = (scores[0]?.score ?? 0) >= ISSUE_THRESHOLD;
  const previous = ctx.previousTexts ?? [];
  // "+1", "还没人管吗", or just "在9栋" after the sender's own report: read them together.
  const placeOnly = !strong && (extractBuilding(text) !== null || extractLandmark(text) !== null);
  if (previous.length > 0 && (FOLLOW_UP.test(norm.trim()) || placeOnly)) {
    const combined = classifyLocally([...previous, text].join('，'));
    if (combined.actionable) return { ...combined, matchedRules: ['follow-up:previous-texts', ...combined.matchedRules] };
  }
  return finish(text, strong ? pickByKeywords(norm, scores) : withoutKeywords(norm, scores));
}
