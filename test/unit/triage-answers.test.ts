import { alreadyReported, dueTextFor, emergencyAnswer, isLiftTrapped, ticketOpened } from '../../src/pipeline/triage/answers';
import { completeWithAnswer, looksLikeAnswer } from '../../src/pipeline/triage/clarify';
import type { Classification } from '../../src/pipeline/triage/classify-message';

describe('what the group reads', () => {
  it('acknowledges a ticket in one short line, without repeating the summary head', () => {
    expect(ticketOpened({ ref: 'YX0315-0042', category: 'illegal_parking', place: '3栋', summary: '3栋·违停：3栋东侧消防通道被车堵了', unitName: '宜城街道联合执法站', dueText: '4 小时内' })).toBe(
      '已登记 #YX0315-0042【违停】3栋东侧消防通道被车堵了，已转宜城街道联合执法站，预计 4 小时内处理。',
    );
    expect(ticketOpened({ ref: 'YX0316-0001', category: 'facility_repair', place: '5栋', summary: '电梯不动了', unitName: '南郊花园党支部', dueText: null })).toBe(
      '已登记 #YX0316-0001【设施报修】5栋电梯不动了，已转南郊花园党支部。',
    );
  });

  it('says how long, in the SLA rule\'s own terms', () => {
    expect(dueTextFor({ hours: 4, basis: 'calendar' })).toBe('4 小时内');
    expect(dueTextFor({ hours: 72, basis: 'calendar' })).toBe('3 天内');
    expect(dueTextFor({ hours: 16, basis: 'working' })).toBe('2 个工作日内');
    expect(dueTextFor({ hours: 4, basis: 'working' })).toBe('4 个工作小时内');
  });

  it('tells people to call the emergency numbers first', () => {
    expect(emergencyAnswer('YX0315-0007', 'fire')).toMatch(/^⚠️ 请立即拨打 119（火警 119、急救 120、报警 110）.*#YX0315-0007/);
    expect(emergencyAnswer(null, 'injury')).toContain('请立即拨打 120');
    expect(alreadyReported('YX0315-0042')).toBe('已有人反映（#YX0315-0042），已为您关注，进展会在群里通知。');
  });

  it('gives lift advice only when someone is stuck in a lift', () => {
    expect(isLiftTrapped('facility_repair', 'high', '6栋电梯坏了困在里面出不来')).toBe(true);
    expect(isLiftTrapped('facility_repair', 'normal', '6栋电梯按钮不亮')).toBe(false);
  });
});

describe('answers to the bot\'s question', () => {
  const asked: Classification = {
    labels: { actionable: true, category: 'facility_repair', tier: 'property', urgency: 'normal', building: null, needs_clarification: true, summary: '路灯坏了' },
    clarifyingQuestion: '请问是几栋附近？',
    classifier: { source: 'llm', model: 'm', promptVersion: 'classify.v1', fallbackReason: null, tokens: 10 },
    emergencyKind: null,
  };

  it('takes a short reply or a place as the answer, not a new long report', () => {
    expect(looksLikeAnswer('5栋')).toBe(true);
    expect(looksLikeAnswer('在北门那边')).toBe(true);
    expect(looksLikeAnswer('另外我还想说一下小区里最近总是有外卖电动车乱停，晚上骑得飞快，很危险，希望物业管管')).toBe(false);
  });

  it('fills the place from the answer, or keeps the gap marked', () => {
    expect(completeWithAnswer(asked, 'place', '5号楼').classification.labels).toMatchObject({ building: '5号楼', needs_clarification: false });
    expect(completeWithAnswer(asked, 'place', '5号楼').gaps).toEqual([]);
    expect(completeWithAnswer(asked, 'place', '不知道').gaps).toEqual(['place']);
  });
});
