import type { Category, Urgency } from '../../domain/labels';
import { clauseContext } from './clause-context';

// taxonomy.md: critical only for emergencies happening now; high for hazards
// and faults that endanger or trap people. Everything under the crack-down
// whistle for fire safety counts as such a hazard.

export const URGENCY_RANK: Readonly<Record<Urgency, number>> = { low: 0, normal: 1, high: 2, critical: 3 };

const BASE: Partial<Record<Category, Urgency>> = {
  emergency: 'critical',
  fire_hazard: 'high',
  micro_wish: 'low',
  policy_inquiry: 'low',
  activity_signup: 'low',
  chit_chat: 'low',
  spam: 'low',
  bot_feedback: 'low',
};

// Global patterns: every match is checked, since an old one may precede a live one.
const ENDANGERS: Partial<Record<Category, RegExp>> = {
  illegal_parking: /消防(?:通道|车道|车)|救护车|生命通道|应急通道/g,
  facility_repair:
    /困人|困了|关人|关住|困住|困在|关.{0,2}里面|被困|出不来|卡在|里面有人|有人在里面|有老人|井盖.{0,6}(?:不见|没了|丢|掉|翘|碎|破|坏|松|移位)|掉下去|裸露|漏电|电线.{0,4}(?:垂|掉|断)|掉下来|脱落|差点|砸到|绊倒|翘起|摔|危险|往下掉|掉了一截|下坠|溜梯|冲顶|爆了|淹了|断了.{0,10}(?:小孩|孩子|人)/g,
  neighbor_dispute: /往(?:楼)?下(?:扔|泼|倒|丢)|高空抛物|砸到|差点砸|花盆|扔烟头|动手|打起来/g,
  pet: /(?:追|扑|咬)着?.{0,3}(?:人|孩子|小孩|老人)|见人就(?:追|扑|咬)/g,
  illegal_construction: /承重墙/g,
  service_request: /好几天没(?:下楼|出门|见|动静)|联系不上|没动静/g,
};

/** A hazard that is over ("上礼拜困了一次人") no longer makes the report urgent. */
function endangersNow(pattern: RegExp, text: string): boolean {
  for (const m of text.matchAll(pattern)) {
    if (!clauseContext(text, m.index, m[0].length).past) return true;
  }
  return false;
}

export function urgencyFor(category: Category, normalisedText: string): Urgency {
  const base = BASE[category];
  if (base) return base;
  const pattern = ENDANGERS[category];
  return pattern && endangersNow(pattern, normalisedText) ? 'high' : 'normal';
}
