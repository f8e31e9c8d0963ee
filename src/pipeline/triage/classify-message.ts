import type { Labels } from '../../domain/labels';
import type { ClassifierInfo } from '../../domain/ticket';
import type { GuardedClassifier } from '../../llm/guarded-classifier';
import { detectEmergency } from '../classify/emergency-rules';
import { classifyLocally } from '../classify/local-classifier';
import { detectNonIssue } from '../classify/non-issue-rules';

export interface Classification {
  labels: Labels;
  clarifyingQuestion: string | null;
  classifier: ClassifierInfo;
  /** Set when the emergency rules fired: the bot answers with the emergency numbers at once. */
  emergencyKind: string | null;
}

export interface ClassifyDeps {
  llm: GuardedClassifier;
  /**
   * A keyword match at least this confident is taken without asking the LLM: it
   * is what keeps LLM calls under the budget on ordinary group traffic.
   */
  localConfidenceToSkipLlm: number;
}

export interface ClassifyInput {
  text: string;
  previousTexts: string[];
  /** Only seconds or chases an earlier report ("+1", "还没人管吗"). */
  followUp?: boolean;
  compoundCode: string | null;
  compoundName: string | null;
  underServiceDayPost: boolean;
}

const RULES: ClassifierInfo = { source: 'rules', model: null, promptVersion: null, fallbackReason: null, tokens: null };

/**
 * Rules first (emergencies, then clear non-issues), then a confident local match,
 * then the LLM; when the LLM cannot answer, the local classifier labels the
 * message and the reason is recorded with it. The bot never goes silent.
 */
export async function classifyMessage(deps: ClassifyDeps, input: ClassifyInput): Promise<Classification> {
  const emergency = detectEmergency(input.text);
  if (emergency) {
    const local = classifyLocally(input.text, { previousTexts: input.previousTexts });
    const labels: Labels = { ...strip(local), actionable: true, category: 'emergency', tier: 'street', urgency: 'critical', needs_clarification: false };
    return { labels, clarifyingQuestion: null, classifier: RULES, emergencyKind: emergency.kind };
  }
  if (detectNonIssue(input.text, { underServiceDayPost: input.underServiceDayPost })) {
    const local = classifyLocally(input.text, { previousTexts: input.previousTexts, underServiceDayPost: input.underServiceDayPost });
    return { labels: strip(local), clarifyingQuestion: null, classifier: RULES, emergencyKind: null };
  }

  const local = classifyLocally(input.text, { previousTexts: input.previousTexts, underServiceDayPost: input.underServiceDayPost });
  if (local.actionable && local.confidence >= deps.localConfidenceToSkipLlm && !local.needs_clarification) {
    return { labels: strip(local), clarifyingQuestion: null, classifier: { ...RULES, source: 'local' }, emergencyKind: null };
  }

  // "+1" and "还没人管吗" mean whatever the sender reported before: that report was classified
  // when it came, the local classifier carries its labels over, and triage attaches the message
  // to the sender's ticket. Asking the LLM would cost a call per resident for the same words.
  if (input.followUp) return { labels: strip(local), clarifyingQuestion: null, classifier: { ...RULES, source: 'local' }, emergencyKind: null };

  const llm = await deps.llm.classify({
    text: input.text,
    previousTexts: input.previousTexts,
    compoundName: input.compoundName,
    compoundCode: input.compoundCode,
    underServiceDayPost: input.underServiceDayPost,
  });
  if (llm.ok) {
    const r = llm.result;
    return {
      labels: r.labels,
      clarifyingQuestion: r.clarifyingQuestion,
      classifier: { source: 'llm', model: r.model, promptVersion: r.promptVersion, fallbackReason: null, tokens: llm.cached ? 0 : r.usage.totalTokens },
      emergencyKind: null,
    };
  }
  return { labels: strip(local), clarifyingQuestion: null, classifier: { ...RULES, source: 'local', fallbackReason: llm.reason }, emergencyKind: null };
}

function strip(l: Labels & { confidence?: number; matchedRules?: string[] }): Labels {
  return {
    actionable: l.actionable,
    category: l.category,
    tier: l.tier,
    urgency: l.urgency,
    building: l.building,
    needs_clarification: l.needs_clarification,
    summary: l.summary,
  };
}
