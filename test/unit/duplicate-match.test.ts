import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseThresholds, merges, MIN_PRECISION, parsePairs, score, ticketFrom } from '../../scripts/eval-duplicates';
import {
  findDuplicate,
  findFollowUpTarget,
  isFollowUp,
  MATCH_THRESHOLDS,
  normaliseForMatch,
  type MatchableTicket,
  type MatchCandidate,
} from '../../src/domain/duplicate-match';
import { compareBuildings } from '../../src/domain/ticket';

const pairs = parsePairs(readFileSync(join(__dirname, '..', 'fixtures', 'duplicate-pairs.jsonl'), 'utf8'));
const T0 = new Date('2025-03-10T02:00:00Z');
const hours = (h: number) => new Date(T0.getTime() + h * 3600_000);

function ticket(over: Partial<MatchableTicket> & { text?: string; sender?: string } = {}): MatchableTicket {
  const { text = '12栋电梯又坏了 停在8楼不动', sender = 'res.a', ...rest } = over;
  return {
    id: 't1',
    category: 'facility_repair',
    building: '12栋',
    summary: text,
    description: text,
    status: 'new',
    reporters: [{ userId: sender, messageId: 'm1', at: T0 }],
    createdAt: T0,
    ...rest,
  };
}
const report = (over: Partial<MatchCandidate> = {}): MatchCandidate => ({
  category: 'facility_repair',
  building: '12栋',
  text: '12栋电梯还是坏的 今天还没修',
  at: hours(5),
  senderId: 'res.b',
  ...over,
});

describe('the labelled pairs', () => {
  it('are enough, realistic in both directions, and split for tuning and holdout', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(100);
    expect(new Set(pairs.map((p) => p.id)).size).toBe(pairs.length);
    expect(pairs.filter((p) => p.same).length).toBeGreaterThan(40);
    expect(pairs.filter((p) => !p.same).length).toBeGreaterThan(40);
    expect(pairs.filter((p) => p.split === 'holdout').length).toBeGreaterThanOrEqual(40);
  });

  it(`merge with precision >= ${MIN_PRECISION} at the thresholds in use, on each split`, () => {
    for (const split of ['tune', 'holdout'] as const) {
      const s = score(
        pairs.filter((p) => p.split === split),
        MATCH_THRESHOLDS,
      );
      expect(s.precision).not.toBeNull();
      expect(s.precision as number).toBeGreaterThanOrEqual(MIN_PRECISION);
    }
    const all = score(pairs, MATCH_THRESHOLDS);
    expect(all.precision as number).toBeGreaterThanOrEqual(MIN_PRECISION);
    // Recall is what conservatism costs; this guards against a rule that stops merging at all.
    expect(all.recall as number).toBeGreaterThanOrEqual(0.7);
  });

  it('chose the thresholds in use: MATCH_THRESHOLDS is what the tune split gives', () => {
    const chosen = chooseThresholds(pairs.filter((p) => p.split === 'tune'));
    expect({ corroborated: chosen.corroborated.threshold, textOnly: chosen.textOnly.threshold }).toEqual(MATCH_THRESHOLDS);
  });

  it('never merge across categories or buildings, even with no similarity required', () => {
    const anything = { corroborated: 0, textOnly: 0 };
    const across = pairs.filter((p) => p.a.category !== p.b.category || compareBuildings(p.a.building, p.b.building) === 'different');
    expect(across.length).toBeGreaterThanOrEqual(20);
    for (const p of across) expect({ id: p.id, merged: merges(p, anything) }).toEqual({ id: p.id, merged: false });
  });
});

describe('findDuplicate', () => {
  it('attaches the same lift fault from another resident and says why', () => {
    const m = findDuplicate(report(), [ticket()]);
    expect(m?.ticket.id).toBe('t1');
    expect(m?.why).toMatch(/same category facility_repair, same building 12栋, both about 电梯/);
  });

  it('never crosses buildings or categories, even with identical text', () => {
    expect(findDuplicate(report({ building: '7栋', text: '12栋电梯又坏了 停在8楼不动' }), [ticket()], { thresholds: { corroborated: 0, textOnly: 0 } })).toBeNull();
    expect(findDuplicate(report({ category: 'property_service', text: '12栋电梯又坏了 停在8楼不动' }), [ticket()])).toBeNull();
    expect(findDuplicate(report({ building: '12栋2单元' }), [ticket({ building: '12栋1单元' })])).toBeNull();
  });

  it('treats 3栋, 3号楼 and 3幢 as one building', () => {
    expect(findDuplicate(report({ building: '12号楼' }), [ticket()])).not.toBeNull();
    expect(findDuplicate(report({ building: '12幢' }), [ticket()])).not.toBeNull();
  });

  it('needs the wording to carry the place when one side names no building', () => {
    const lift = ticket({ text: '12栋电梯又坏了 停在8楼不动 按了没反应' });
    expect(findDuplicate(report({ building: null, text: '急死了 电梯又坏了 我家住18楼' }), [lift])).toBeNull();
    expect(findDuplicate(report({ building: null, text: '电梯停在8楼不动了 按了也没反应 快来修' }), [lift])?.why).toMatch(/place not known on both sides.*textOnly/);
  });

  it('keeps two things apart in one building', () => {
    expect(findDuplicate(report({ text: '12栋楼道灯坏了 还没修' }), [ticket()], { thresholds: { corroborated: 0 } })).toBeNull();
  });

  it('uses plates: the same car wherever it was said to be, another plate is another car', () => {
    const car = ticket({ category: 'illegal_parking', building: '3栋', text: '3栋门口有辆白色轿车停在消防通道上 苏B·12345' });
    const same = report({ category: 'illegal_parking', building: null, text: '消防通道又被白色轿车堵了 谁的车啊 苏B12345', at: hours(1) });
    const other = { ...same, text: '消防通道又被白色轿车堵了 谁的车啊 苏E·A1234' };
    expect(findDuplicate(same, [car])?.why).toMatch(/same plate number/);
    expect(findDuplicate(same, [car])?.why).not.toMatch(/12345/);
    expect(findDuplicate(other, [car], { thresholds: { corroborated: 0, textOnly: 0 } })).toBeNull();
  });

  it('keeps to the time window of the category', () => {
    expect(findDuplicate(report({ at: hours(24 * 6) }), [ticket()])).not.toBeNull();
    expect(findDuplicate(report({ at: hours(24 * 8) }), [ticket()])).toBeNull();
    const car = ticket({ category: 'illegal_parking', building: '3栋', text: '3栋门口消防通道停了辆白车' });
    expect(findDuplicate(report({ category: 'illegal_parking', building: '3栋', text: '3栋门口消防通道停着白车', at: hours(11) }), [car])).not.toBeNull();
    expect(findDuplicate(report({ category: 'illegal_parking', building: '3栋', text: '3栋门口消防通道停着白车', at: hours(13) }), [car])).toBeNull();
  });

  it('measures the window from the latest report', () => {
    const kept = ticket({ reporters: [{ userId: 'res.a', messageId: 'm1', at: T0 }, { userId: 'res.c', messageId: 'm2', at: hours(24 * 6) }] });
    expect(findDuplicate(report({ at: hours(24 * 12) }), [kept])).not.toBeNull();
  });

  it('merges disputes and family needs only with the same resident', () => {
    const leak = ticket({ category: 'neighbor_dispute', building: '5栋', text: '5栋楼上漏水到我家 楼上不管' });
    expect(findDuplicate(report({ category: 'neighbor_dispute', building: '5栋', text: '5栋楼上漏水到我家 楼上不管' }), [leak])).toBeNull();
    expect(findDuplicate(report({ category: 'neighbor_dispute', building: '5栋', text: '5栋楼上漏水到我家 楼上还是不管', senderId: 'res.a' }), [leak])).not.toBeNull();
  });

  it('ignores tickets that are not open and picks the closest of several', () => {
    expect(findDuplicate(report(), [ticket({ status: 'resolved' })])).toBeNull();
    const close = ticket({ id: 't2', text: '12栋电梯还是坏的 今天还没修好' });
    expect(findDuplicate(report(), [ticket(), close])?.ticket.id).toBe('t2');
  });
});

describe('follow-ups', () => {
  it.each(['+1', '＋1', '同上', '我也是', '我家也是', '还没人管吗', '有人管吗？？', '怎么还没修', '怎么还没修好', '三天了 还没人管？', '@书记 还没人管吗', '还是没人来修啊', '什么时候能修好', '+1 我也被堵了', '同问[捂脸]'])(
    '"%s" is a follow-up',
    (text) => expect(isFollowUp(text)).toBe(true),
  );

  it.each(['电梯又坏了', '路灯还没修好', '电梯也是坏的', '顶楼漏水', '我也是5栋的', '同样的问题 3栋也有', '谢谢书记', '5栋门口的车停了三天了 还没人管', '支持多装充电桩 每天晚上都抢不到'])(
    '"%s" is not a bare follow-up',
    (text) => expect(isFollowUp(text)).toBe(false),
  );

  const lift = ticket({ id: 'lift' });
  const lamp = ticket({ id: 'lamp', building: null, text: '北门路灯不亮好几天了', sender: 'res.b', reporters: [{ userId: 'res.b', messageId: 'm2', at: hours(2) }] });

  it("goes to the sender's own most recent open ticket first", () => {
    expect(findFollowUpTarget({ senderId: 'res.b', at: hours(30), category: null, building: null }, [lift, lamp])?.ticket.id).toBe('lamp');
    expect(findFollowUpTarget({ senderId: 'res.a', at: hours(30), category: 'noise', building: null }, [lift, lamp])?.why).toMatch(/own open ticket/);
  });

  it("else to the chat's latest open ticket of the context's category, recently reported", () => {
    expect(findFollowUpTarget({ senderId: 'res.x', at: hours(3), category: 'facility_repair', building: null }, [lift, lamp])?.ticket.id).toBe('lamp');
    expect(findFollowUpTarget({ senderId: 'res.x', at: hours(3), category: 'facility_repair', building: '12栋' }, [lift, lamp])?.ticket.id).toBe('lift');
    expect(findFollowUpTarget({ senderId: 'res.x', at: hours(3), category: 'facility_repair', building: '7栋' }, [lift, lamp])).toBeNull();
    expect(findFollowUpTarget({ senderId: 'res.x', at: hours(30), category: 'facility_repair', building: null }, [lift, lamp])).toBeNull();
    expect(findFollowUpTarget({ senderId: 'res.x', at: hours(3), category: null, building: null }, [lift, lamp])).toBeNull();
    expect(findFollowUpTarget({ senderId: 'res.x', at: hours(3), category: 'noise', building: null }, [lift, lamp])).toBeNull();
  });

  it('never lands on a closed ticket', () => {
    expect(findFollowUpTarget({ senderId: 'res.a', at: hours(3), category: 'facility_repair', building: null }, [{ ...lift, status: 'closed' }])).toBeNull();
  });
});

describe('normalised text', () => {
  it('masks personal numbers and drops buildings, numbers and filler before comparing', () => {
    expect(normaliseForMatch('3栋2单元 电悌坏了!! 电话13812345678 苏B·12345')).toBe('电梯坏电话');
    expect(normaliseForMatch('１２幢的电瓶车')).toBe('电动车');
  });

  it('a ticket built from a pair is its first report', () => {
    const p = pairs[0];
    if (!p) throw new Error('no pairs');
    expect(ticketFrom(p.a)).toMatchObject({ category: p.a.category, building: p.a.building, description: p.a.text, status: 'new' });
  });
});
