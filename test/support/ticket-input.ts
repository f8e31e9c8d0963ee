import type { NewTicket } from '../../src/domain/ticket';

/** A lift report in 12栋, as triage would open it, reported at `at`, due two days later. */
export function ticketInput(at: Date, over: Partial<NewTicket> = {}): NewTicket {
  const source = over.sourceInboundId ?? `in-${Math.random().toString(36).slice(2)}`;
  return {
    compoundCode: 'YX0315',
    street: '宜城街道',
    category: 'facility_repair',
    tier: 'property',
    urgency: 'normal',
    building: '12栋',
    summary: '12栋电梯故障',
    description: '12栋电梯又坏了 停在8楼不动',
    assignees: ['zhou.wuye'],
    watchers: ['zhang.shuji'],
    unitName: '优湖物业服务中心',
    reporter: { userId: 'res.a', messageId: source, at },
    sourceInboundId: source,
    dueAt: new Date(at.getTime() + 48 * 3600_000),
    gaps: [],
    classifier: { source: 'local', model: null, promptVersion: 'triage-v1', fallbackReason: null, tokens: null },
    openData: { modelTier: 'property' },
    ...over,
  };
}
