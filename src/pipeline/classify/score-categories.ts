import { LEXICON, type LexiconEntry, type ScoredCategory } from './category-lexicon';

/** A category needs at least this much keyword weight to count as a real signal. */
export const ISSUE_THRESHOLD = 2;

/** A one-character typo match earns this share of the keyword's weight. */
const FUZZY_SHARE = 0.7;
const GAP = '[^\\s,.!?;:，。！？；：、~]{0,6}';
const SEPARATOR = /[\s,.!?;:，。！？；：、~]/;

export interface CategoryScore {
  category: ScoredCategory;
  score: number;
  hits: string[];
}

interface Matcher {
  label: string;
  weight: number;
  find: (text: string, words: readonly Word[]) => Span | null;
}

interface Word {
  segment: string;
  index: number;
}

interface Span {
  start: number;
  end: number;
  fuzzy: boolean;
}

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function regexFinder(re: RegExp): Matcher['find'] {
  return (text) => {
    const m = re.exec(text);
    return m ? { start: m.index, end: m.index + m[0].length, fuzzy: false } : null;
  };
}

/** Index of a window equal to `word` but for one character (never the first). */
function oneTypoIndex(text: string, word: string): number {
  for (let i = 0; i + word.length <= text.length; i += 1) {
    if (text[i] !== word[0]) continue;
    let misses = 0;
    for (let j = 1; j < word.length && misses <= 1; j += 1) {
      const c = text[i + j] ?? '';
      if (SEPARATOR.test(c)) misses = 2;
      else if (c !== word[j]) misses += 1;
    }
    if (misses <= 1) return i;
  }
  return -1;
}

function literalFinder(word: string, typoTolerant: boolean): Matcher['find'] {
  return (text) => {
    const at = text.indexOf(word);
    if (at >= 0) return { start: at, end: at + word.length, fuzzy: false };
    if (!typoTolerant) return null;
    const near = oneTypoIndex(text, word);
    return near >= 0 ? { start: near, end: near + word.length, fuzzy: true } : null;
  };
}

function compile([pattern, weight, name]: LexiconEntry): Matcher {
  if (pattern instanceof RegExp) return { label: name ?? pattern.source, weight, find: regexFinder(new RegExp(pattern.source)) };
  if (pattern.startsWith('=')) {
    const word = pattern.slice(1);
    return {
      label: pattern,
      weight,
      find: (_text, words) => {
        const w = words.find((x) => x.segment === word);
        return w ? { start: w.index, end: w.index + word.length, fuzzy: false } : null;
      },
    };
  }
  if (pattern.includes('…')) {
    return { label: pattern, weight, find: regexFinder(new RegExp(pattern.split('…').map(escapeRegExp).join(GAP))) };
  }
  if (pattern.startsWith('~')) return { label: pattern.slice(1), weight, find: literalFinder(pattern.slice(1), true) };
  return { label: pattern, weight, find: literalFinder(pattern, false) };
}

const MATCHERS = Object.entries(LEXICON).map(([category, entries]) => ({
  category: category as ScoredCategory,
  matchers: entries.map(compile),
}));

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

function contains(outer: Span, inner: Span): boolean {
  return outer.start <= inner.start && inner.end <= outer.end && outer.end - outer.start > inner.end - inner.start;
}

interface Hit {
  label: string;
  weight: number;
  span: Span;
}

function categoryHits(text: string, words: readonly Word[], matchers: readonly Matcher[]): Hit[] {
  const found = matchers
    .map((m) => ({ label: m.label, weight: m.weight, span: m.find(text, words) }))
    .filter((h): h is Hit => h.span !== null)
    .sort((a, b) => b.weight - a.weight || b.span.end - b.span.start - (a.span.end - a.span.start));
  const kept: Hit[] = [];
  for (const hit of found) if (!kept.some((k) => overlaps(k.span, hit.span))) kept.push(hit);
  return kept;
}

/**
 * Scores every category on normalised text. Overlapping hits within a category
 * count once (垃圾 inside 垃圾桶), and a hit inside a longer, at least as strong
 * hit of another category is explained by it (消防通道 inside 停在消防通道 is a
 * parking word).
 */
export function scoreCategories(text: string): CategoryScore[] {
  const words = Array.from(segmenter.segment(text), (s) => ({ segment: s.segment, index: s.index }));
  const perCategory = MATCHERS.map(({ category, matchers }) => ({ category, hits: categoryHits(text, words, matchers) }));
  const scores = perCategory.map(({ category, hits }) => {
    const others = perCategory.filter((p) => p.category !== category).flatMap((p) => p.hits);
    const own = hits.filter((h) => !others.some((o) => o.weight >= h.weight && contains(o.span, h.span)));
    const score = own.reduce((sum, h) => sum + (h.span.fuzzy ? h.weight * FUZZY_SHARE : h.weight), 0);
    return { category, score: Math.round(score * 100) / 100, hits: own.map((h) => (h.span.fuzzy ? `~${h.label}` : h.label)) };
  });
  return scores.sort((a, b) => b.score - a.score);
}
