import type { TicketRef } from './staff-command';
import { fixTypos, fold, normalize } from './staff-reply-normalize';

// Ticket references in staff replies: #42, YX0315-0042, 42号, 第42单, 工单42.

export interface RefHit {
  start: number;
  end: number;
  ref: TicketRef;
}

const short = (m: RegExpMatchArray): TicketRef => ({ compoundCode: null, number: Number(m[1]) });

// "N号" is also a day ("15号再处理") or a place ("3号楼"): only taken as a ref when
// nothing around it says date or place.
const REF_PATTERNS: ReadonlyArray<{ re: RegExp; build: (m: RegExpMatchArray) => TicketRef }> = [
  {
    re: /(?<![A-Za-z0-9])#?([A-Za-z]{1,4}\d{2,6})-(\d{1,6})(?!\d)/g,
    build: (m) => ({ compoundCode: (m[1] ?? '').toUpperCase(), number: Number(m[2]) }),
  },
  { re: /(?:工单号?|单号)\s*[:#]?\s*(\d{1,6})(?!\d)/g, build: short },
  { re: /第\s*(\d{1,6})\s*号?\s*(?:工单|单)/g, build: short },
  { re: /#\s?(\d{1,6})(?!\d)/g, build: short },
  { re: /(?<![\d.月])(\d{1,6})\s*号\s*(?:工单|单子|单(?!元))/g, build: short },
  {
    re: /(?<![\d./月到至等在延推改于从是])(\d{1,6})号(?!\s*[再前后之以左上下晚早那当开起楼栋幢单门室床位线车口院店铺房码])/g,
    build: short,
  },
];

export function findRefs(s: string): RefHit[] {
  const taken = new Array<boolean>(s.length).fill(false);
  const hits: RefHit[] = [];
  for (const { re, build } of REF_PATTERNS) {
    for (const m of s.matchAll(re)) {
      const start = m.index ?? 0;
      const end = start + m[0].length;
      if (taken.slice(start, end).some(Boolean)) continue;
      taken.fill(true, start, end);
      hits.push({ start, end, ref: build(m) });
    }
  }
  return hits.sort((a, b) => a.start - b.start);
}

/** Distinct refs: #42 and YX0315-0042 are the same ticket, #42 and #43 are not. */
export function distinctRefs(hits: readonly RefHit[]): TicketRef[] {
  const out: TicketRef[] = [];
  for (const { ref } of hits) {
    const same = out.find(
      (r) => r.number === ref.number && (r.compoundCode === null || ref.compoundCode === null || r.compoundCode === ref.compoundCode),
    );
    if (!same) out.push({ ...ref });
    else if (same.compoundCode === null) same.compoundCode = ref.compoundCode;
  }
  return out;
}

/** The one ticket a text names (#42, ＃42, YX0315-0042, 42号, 第42单, 工单42); null when none or several. */
export function parseTicketRef(text: string): TicketRef | null {
  const refs = distinctRefs(findRefs(fixTypos(fold(normalize(text)))));
  return refs.length === 1 ? (refs[0] ?? null) : null;
}
