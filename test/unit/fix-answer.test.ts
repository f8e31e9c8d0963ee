import { readFixAnswer } from '../../src/pipeline/clock/fix-answer';
import { fixCheckTaskId, parseFixCheckTaskId } from '../../src/pipeline/clock/fix-check-keys';

describe('reading an answer to "is it really fixed?"', () => {
  it.each([
    ['解决了', 'fixed', ''],
    ['已经修好了，谢谢', 'fixed', '谢谢'],
    ['好了', 'fixed', ''],
    ['没解决', 'not_fixed', ''],
    ['没解决，灯还是不亮', 'not_fixed', '灯还是不亮'],
    ['还没修好呢 楼道还是黑的', 'not_fixed', '楼道还是黑的'],
    ['还是不行', 'not_fixed', ''],
    ['未解决!', 'not_fixed', ''],
    ['不清楚', 'unsure', ''],
    ['我不太清楚，没去看', 'unsure', '没去看'],
  ])('%s', (text, answer, rest) => {
    expect(readFixAnswer(text)).toEqual({ answer, rest });
  });

  it.each(['3栋楼道灯坏了', '请问什么时候修', '谢谢书记', ''])('passes on what is not an answer: %s', (text) => {
    expect(readFixAnswer(text)).toBeNull();
  });

  it('round-trips the card task id and rejects others', () => {
    expect(parseFixCheckTaskId(fixCheckTaskId('65a1b2c3d4e5f60718293a4b', 3))).toEqual({ ticketId: '65a1b2c3d4e5f60718293a4b', version: 3 });
    expect(parseFixCheckTaskId('tk_65a1b2c3_v3')).toBeNull();
    expect(parseFixCheckTaskId('fx_a:b_v3')).toBeNull();
  });
});
