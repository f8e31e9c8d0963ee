import type { Category } from './labels';
import { jaccard, normaliseForMatch, problemObjects } from './report-similarity';
import { compareBuildings, isOpen, lastReportAt, type BuildingMatch, type Ticket } from './ticket';

export { isFollowUp } from './follow-up';
export { normaliseForMatch, problemObjects, textSimilarity } from './report-similarity';

// Is a new report the same problem as an open ticket? A wrong merge hides a problem from
// the people who must fix it, a missed merge only costs a second ticket, so every rule
// here errs towards "no". The thresholds come from test/fixtures/duplicate-pairs.jsonl
// (scripts/eval-duplicates.ts prints how they were chosen).

export interface MatchCandidate {
  category: Category;
  building: string | null;
  text: string;
  at: Date;
  senderId: string;
}

export type MatchableTicket = Pick<Ticket, 'id' | 'category' | 'building' | 'summary' | 'description' | 'status' | 'reporters' | 'createdAt'>;

/**
 * corroborated: both name the same place (building, landmark or plate) and the same thing
 * (PROBLEM_OBJECTS), so little shared wording is needed; textOnly: the place or the thing is
 * missing on one side, so the wording itself must carry it.
 */
export type MatchBasis = 'corroborated' | 'textOnly';
export type MatchThresholds = Record<MatchBasis, number>;

/** Chosen per basis on the tune split of the fixture: the most merges at precision >= 0.97. */
export const MATCH_THRESHOLDS: Readonly<MatchThresholds> = { corroborated: 0.05, textOnly: 0.5 };

const H = 1;
const DAY = 24 * H;

/**
 * How long after the latest report a new one may still be the same problem.
 *
 * | category                                   | window  | why                                            |
 * |--------------------------------------------|---------|------------------------------------------------|
 * | emergency                                  | 2 h     | one incident, reported by many within minutes  |
 * | illegal_parking                            | 12 h    | cars move: tomorrow's car is a new case        |
 * | noise                                      | 2 days  | tonight's and tomorrow night's noise           |
 * | garbage, pet, other_issue, policy_inquiry  | 3 days  |                                                |
 * | facility_repair, fire_hazard, property_service, neighbor_dispute, service_request | 7 days | a fault stays until fixed |
 * | illegal_construction, green_occupation, space_encroachment | 30 days | a shed or a fenced lawn stays for months |
 * | micro_wish                                 | 90 days | wishes collect +1s over a season               |
 * | not actionable                             | never   |                                                |
 */
export const MATCH_WINDOW_HOURS: Readonly<Record<Category, number>> = {
  emergency: 2 * H,
  illegal_parking: 12 * H,
  noise: 2 * DAY,
  garbage: 3 * DAY,
  pet: 3 * DAY,
  other_issue: 3 * DAY,
  policy_inquiry: 3 * DAY,
  facility_repair: 7 * DAY,
  fire_hazard: 7 * DAY,
  property_service: 7 * DAY,
  neighbor_dispute: 7 * DAY,
  service_request: 7 * DAY,
  illegal_construction: 30 * DAY,
  green_occupation: 30 * DAY,
  space_encroachment: 30 * DAY,
  micro_wish: 90 * DAY,
  activity_signup: 0,
  chit_chat: 0,
  spam: 0,
  bot_feedback: 0,
};

/**
 * A dispute or a family's need belongs to the people who raised it: two residents with
 * "楼上漏水" are two leaks. These merge only with the same resident's own earlier report.
 */
export const PERSONAL_CATEGORIES: ReadonlySet<Category> = new Set(['neighbor_dispute', 'service_request']);

/** Wishes are for the whole compound ("more chargers"): where each resident stands says nothing. */
export const PLACELESS_CATEGORIES: ReadonlySet<Category> = new Set(['micro_wish']);

/** A follow-up found by context rather than by its own sender reaches back at most this far. */
export const CONTEXT_FOLLOW_UP_HOURS = 24;

export interface MatchOptions {
  thresholds?: Partial<MatchThresholds>;
  windowHours?: Partial<Record<Category, number>>;
}

export interface DuplicateMatch<T> {
  ticket: T;
  score: number;
  why: string;
}

export type Assessment =
  | { eligible: false; reason: string }
  | { eligible: true; basis: MatchBasis; score: number; why: string };

/** Whether an open ticket may be the candidate's problem at all, and how similar they read. */
export function assessDuplicate(candidate: MatchCandidate, t: MatchableTicket, opts: MatchOptions = {}): Assessment {
  const no = (reason: string): Assessment => ({ eligible: false, reason });
  if (!isOpen(t.status)) return no(`ticket is ${t.status}`);
  if (t.category !== candidate.category) return no('another category');
  if (!withinWindow(t, candidate.at, windowFor(candidate.category, opts))) return no('outside the time window');
  if (PERSONAL_CATEGORIES.has(t.category) && !t.reporters.some((r) => r.userId === candidate.senderId)) return no('personal category, another resident');
  const building = compareBuildings(candidate.building, t.building);
  if (building === 'different') return no('another building');
  const named = problemObjects(candidate.text);
  const theirs = mergeObjects(problemObjects(t.description), problemObjects(t.summary));
  // Without a building on both sides, a named landmark (北门, 广场, 车库) places the report.
  const landmark = building === 'unknown' ? overlap(named.places, theirs.places) : 'unknown';
  if (landmark === 'disjoint') return no('another place');
  const place: BuildingMatch = landmark === 'shared' || PLACELESS_CATEGORIES.has(t.category) ? 'same' : building;
  const plates = overlap(named.plates, theirs.plates);
  if (plates === 'disjoint') return no('another plate number');
  const things = overlap(named.objects, theirs.objects);
  if (things === 'disjoint') return no('names other things');
  // The same plate is the same car, wherever each resident said it stood.
  const samePlace = place === 'same' || plates === 'shared';
  const basis: MatchBasis = samePlace && things === 'shared' ? 'corroborated' : 'textOnly';
  const text = normaliseForMatch(candidate.text);
  const score = Math.max(jaccard(text, normaliseForMatch(t.description)), jaccard(text, normaliseForMatch(t.summary)));
  const shared = [...named.objects].filter((o) => theirs.objects.has(o));
  const landmarks = [...named.places].filter((p) => theirs.places.has(p));
  const where =
    plates === 'shared'
      ? 'same plate number'
      : building === 'same'
        ? `same building ${t.building ?? ''}`.trim()
        : landmark === 'shared'
          ? `same place ${landmarks.join('/')}`
          : place === 'same'
            ? 'a compound-wide wish'
            : 'place not known on both sides';
  const what = shared.length > 0 ? `both about ${shared.join('/')}` : 'no common thing named';
  return { eligible: true, basis, score, why: `same category ${t.category}, ${where}, ${what}, text similarity ${score.toFixed(2)}` };
}

export function findDuplicate<T extends MatchableTicket>(candidate: MatchCandidate, open: readonly T[], opts: MatchOptions = {}): DuplicateMatch<T> | null {
  const thresholds = { ...MATCH_THRESHOLDS, ...opts.thresholds };
  let best: (DuplicateMatch<T> & { last: number }) | null = null;
  for (const t of open) {
    const a = assessDuplicate(candidate, t, opts);
    if (!a.eligible || a.score < thresholds[a.basis]) continue;
    const last = lastReportAt(t).getTime();
    if (!best || a.score > best.score || (a.score === best.score && last > best.last)) {
      best = { ticket: t, score: a.score, why: `${a.why} >= ${thresholds[a.basis].toFixed(2)} (${a.basis})`, last };
    }
  }
  if (!best) return null;
  const { last: _last, ...match } = best;
  return match;
}

export interface FollowUp {
  senderId: string;
  at: Date;
  /** The category the classifier read from the chat context, if any. */
  category: Category | null;
  /** The building from the message or its context, if any. */
  building: string | null;
}

/**
 * A bare follow-up ("+1", "还没人管吗") carries no text to compare. It attaches to the sender's
 * own most recent open ticket, else to the chat's most recent open ticket of the category the
 * context gives, reported within CONTEXT_FOLLOW_UP_HOURS. Neither path crosses buildings.
 */
export function findFollowUpTarget<T extends MatchableTicket>(f: FollowUp, open: readonly T[], opts: MatchOptions = {}): { ticket: T; why: string } | null {
  const fits = (t: T, window: number, place: (m: BuildingMatch) => boolean) =>
    isOpen(t.status) && withinWindow(t, f.at, window) && place(compareBuildings(f.building, t.building));
  const notElsewhere = (m: BuildingMatch) => m !== 'different';
  const own = open
    .filter((t) => t.reporters.some((r) => r.userId === f.senderId) && fits(t, windowFor(t.category, opts), notElsewhere))
    .sort((a, b) => Number(b.category === f.category) - Number(a.category === f.category) || lastReportAt(b).getTime() - lastReportAt(a).getTime());
  if (own[0]) return { ticket: own[0], why: `the sender's own open ticket (${own[0].category})` };
  const category = f.category;
  if (!category || PERSONAL_CATEGORIES.has(category)) return null;
  // By context only: a follow-up naming a building never lands on a ticket that names none.
  const samePlace = (m: BuildingMatch) => (f.building === null ? m !== 'different' : m === 'same');
  const recent = open
    .filter((t) => t.category === category && fits(t, Math.min(windowFor(category, opts), CONTEXT_FOLLOW_UP_HOURS), samePlace))
    .sort((a, b) => lastReportAt(b).getTime() - lastReportAt(a).getTime());
  return recent[0] ? { ticket: recent[0], why: `the chat's latest open ${category} ticket` } : null;
}

function windowFor(category: Category, opts: MatchOptions): number {
  return opts.windowHours?.[category] ?? MATCH_WINDOW_HOURS[category];
}

// A report may be sent a little before the ticket it duplicates was stored (parallel jobs).
const CLOCK_SLACK_MS = 10 * 60 * 1000;

function withinWindow(t: MatchableTicket, at: Date, hours: number): boolean {
  if (hours <= 0) return false;
  const ms = at.getTime();
  return ms >= t.createdAt.getTime() - CLOCK_SLACK_MS && ms <= lastReportAt(t).getTime() + hours * 60 * 60 * 1000;
}

type Objects = ReturnType<typeof problemObjects>;

function mergeObjects(a: Objects, b: Objects): Objects {
  const union = (x: Set<string>, y: Set<string>) => new Set([...x, ...y]);
  return { objects: union(a.objects, b.objects), places: union(a.places, b.places), plates: union(a.plates, b.plates) };
}

/** unknown when either side names nothing. */
function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): 'shared' | 'disjoint' | 'unknown' {
  if (a.size === 0 || b.size === 0) return 'unknown';
  for (const x of a) if (b.has(x)) return 'shared';
  return 'disjoint';
}
