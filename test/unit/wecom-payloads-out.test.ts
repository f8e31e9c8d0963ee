import {
  InvalidPayloadError,
  appCard,
  appMarkdown,
  appMessage,
  appText,
  buttonCard,
  cardButtonReplace,
  cardReplace,
  cardUpdate,
  customerGroupTask,
  groupTaskText,
  responseUrlMarkdown,
  webhookMarkdown,
  webhookText,
  type CardSpec,
} from '../../src/channels/wecom/payloads';
import { describeDestination, rateLimitKeys } from '../../src/channels/wecom/destination';
import { classifyErrcode, errorForErrcode, WeComConfigError, WeComRecipientError, WeComRetryableError } from '../../src/channels/wecom/api-errors';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

const card: CardSpec = {
  taskId: 'tk-123_A@b',
  title: '新工单 #123',
  description: '3号楼 电梯故障',
  subTitle: '请确认是否受理',
  fields: [{ label: '楼栋', value: '3号楼' }],
  buttons: [
    { text: '受理', key: 'accept:123', style: 1 },
    { text: '转派', key: 'reassign:123' },
  ],
};

describe('app message bodies', () => {
  it('builds a text message/send body with recipients, agentid and duplicate check', () => {
    expect(appMessage(1000002, ['zhangsan', 'lisi'], appText('你好'))).toEqual({
      touser: 'zhangsan|lisi',
      agentid: 1000002,
      msgtype: 'text',
      text: { content: '你好' },
      enable_duplicate_check: 1,
      duplicate_check_interval: 600,
    });
  });

  it('builds a markdown body', () => {
    expect(appMessage(7, ['u1'], appMarkdown('**紧急**'))).toMatchObject({ touser: 'u1', agentid: 7, msgtype: 'markdown', markdown: { content: '**紧急**' } });
  });

  it('builds a button_interaction template card', () => {
    expect(appMessage(7, ['u1'], appCard(buttonCard({ ...card, source: '睦邻' })))).toMatchObject({
      msgtype: 'template_card',
      template_card: {
        card_type: 'button_interaction',
        task_id: 'tk-123_A@b',
        source: { desc: '睦邻' },
        main_title: { title: '新工单 #123', desc: '3号楼 电梯故障' },
        sub_title_text: '请确认是否受理',
        horizontal_content_list: [{ keyname: '楼栋', value: '3号楼' }],
        button_list: [
          { text: '受理', key: 'accept:123', style: 1 },
          { text: '转派', key: 'reassign:123' },
        ],
      },
    });
  });

  it.each([
    ['a task_id with a colon', { taskId: 'tk:1' }, 'task_id'],
    ['a task_id over 128 bytes', { taskId: 'x'.repeat(129) }, 'task_id'],
    ['no title at all', { title: undefined, subTitle: undefined }, 'main_title'],
    ['seven buttons', { buttons: Array.from({ length: 7 }, (_, i) => ({ text: `b${i}`, key: `k${i}` })) }, 'button_list'],
    ['no buttons', { buttons: [] }, 'button_list'],
    ['seven fields', { fields: Array.from({ length: 7 }, (_, i) => ({ label: `l${i}`, value: 'v' })) }, 'horizontal_content_list'],
    ['a button key over 1024 bytes', { buttons: [{ text: 'x', key: 'k'.repeat(1025) }] }, 'button_list.key'],
  ])('rejects a card with %s', (_label, patch, field) => {
    const err = thrownBy(() => buttonCard({ ...card, ...patch } as CardSpec));
    expect(err).toBeInstanceOf(InvalidPayloadError);
    expect(err).toMatchObject({ field });
  });

  it('accepts a task_id of exactly 128 bytes', () => {
    expect(buttonCard({ ...card, taskId: 'a'.repeat(128) }).task_id).toHaveLength(128);
  });
});

describe('update_template_card bodies', () => {
  it('builds the button replace_name form', () => {
    expect(cardUpdate(7, ['u1'], 'RC1', cardButtonReplace('已受理'))).toEqual({
      userids: ['u1'],
      agentid: 7,
      response_code: 'RC1',
      button: { replace_name: '已受理' },
    });
  });

  it('builds the full card form', () => {
    const body = cardUpdate(7, ['u1'], 'RC1', cardReplace(buttonCard(card)));
    expect(body).toMatchObject({ userids: ['u1'], agentid: 7, response_code: 'RC1', template_card: { card_type: 'button_interaction', task_id: 'tk-123_A@b' } });
  });
});

describe('webhook, response_url and customer-group bodies', () => {
  it('builds webhook text with mentions, and without the field when nobody is mentioned', () => {
    expect(webhookText('请注意', ['zhangsan', '@all'])).toEqual({ msgtype: 'text', text: { content: '请注意', mentioned_list: ['zhangsan', '@all'] } });
    expect(webhookText('请注意')).toEqual({ msgtype: 'text', text: { content: '请注意' } });
  });

  it('builds webhook and response_url markdown', () => {
    expect(webhookMarkdown('# 通知')).toEqual({ msgtype: 'markdown', markdown: { content: '# 通知' } });
    expect(responseUrlMarkdown('已收到')).toEqual({ msgtype: 'markdown', markdown: { content: '已收到' } });
  });

  it('builds an add_msg_template group task', () => {
    expect(customerGroupTask('owner1', ['wrOgQhDgAA1', 'wrOgQhDgAA2'], groupTaskText('本周六停电'))).toEqual({
      chat_type: 'group',
      sender: 'owner1',
      chat_id_list: ['wrOgQhDgAA1', 'wrOgQhDgAA2'],
      text: { content: '本周六停电' },
    });
  });
});

describe('destinations', () => {
  it('gives the webhook 20/min per key, app members 30/min and 1000/h (minutes with a safety margin), response_url nothing', () => {
    const webhook = rateLimitKeys({ kind: 'group_webhook', webhookKey: 'secret-key' });
    expect(webhook).toEqual([{ key: expect.stringMatching(/^webhook:[0-9a-f]{12}$/), limit: 20, windowMs: 63_000 }]);
    expect(JSON.stringify(webhook)).not.toContain('secret-key');
    expect(rateLimitKeys({ kind: 'app_user', userIds: ['u1', 'u1', 'u2'] })).toEqual([
      { key: 'app:m:u1', limit: 30, windowMs: 63_000 },
      { key: 'app:h:u1', limit: 1000, windowMs: 3_600_000 },
      { key: 'app:m:u2', limit: 30, windowMs: 63_000 },
      { key: 'app:h:u2', limit: 1000, windowMs: 3_600_000 },
    ]);
    expect(rateLimitKeys({ kind: 'response_url', url: 'http://x/y' })).toEqual([]);
    expect(rateLimitKeys({ kind: 'customer_group_task', sender: 'o1', chatIds: ['c1'] })).toEqual([{ key: 'cgtask:o1', limit: 10, windowMs: 63_000 }]);
  });

  it('describes destinations without credentials', () => {
    expect(describeDestination({ kind: 'group_webhook', webhookKey: 'secret-key' })).toEqual({ kind: 'group_webhook', webhookKey: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(describeDestination({ kind: 'response_url', url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=SECRET' })).toEqual({
      kind: 'response_url',
      url: 'qyapi.weixin.qq.com/cgi-bin/aibot/response',
    });
  });
});

describe('errcodes', () => {
  it('classifies what to do about an errcode', () => {
    expect(classifyErrcode(0)).toBe('ok');
    expect([40014, 42001].map(classifyErrcode)).toEqual(['token', 'token']);
    expect([-1, 45009, 45033].map(classifyErrcode)).toEqual(['retryable', 'retryable', 'retryable']);
    expect([40001, 40013, 40091, 48002, 60020, 41001].map(classifyErrcode)).toEqual(Array(6).fill('config'));
    expect([81013, 86001, 86216].map(classifyErrcode)).toEqual(['recipient', 'recipient', 'recipient']);
    expect(classifyErrcode(40008)).toBe('invalid');
  });

  it('builds errors that say what to fix', () => {
    const err = errorForErrcode('message/send', 60020, 'not allow to access from your ip');
    expect(err).toBeInstanceOf(WeComConfigError);
    expect(err).toMatchObject({ api: 'message/send', errcode: 60020 });
    expect(err.message).toContain('企业可信IP');
    expect(errorForErrcode('message/send', -1, 'system busy')).toBeInstanceOf(WeComRetryableError);
    expect(errorForErrcode('message/send', 81013, 'user invalid')).toBeInstanceOf(WeComRecipientError);
  });
});
