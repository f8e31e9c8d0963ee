import { parseAibotEnvelope, parseAibotPayload, stripMention } from '../../src/channels/wecom/aibot-payload';
import { parseAppEnvelope, parseAppPayload } from '../../src/channels/wecom/app-payload';
import { MalformedEnvelopeError, MalformedPayloadError } from '../../src/channels/wecom/callback-errors';
import { STREAM_MAX_BYTES, streamReply } from '../../src/channels/wecom/reply';
import { buildXml, parseXml } from '../../src/channels/wecom/xml';

const base = {
  msgid: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
  aibotid: 'AIBOTID',
  chatid: 'CHATID',
  chattype: 'group',
  from: { userid: 'USERID' },
  response_url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC',
};

const aibot = (fields: Record<string, unknown>, omit: string[] = []): string => {
  const merged: Record<string, unknown> = { ...base, ...fields };
  for (const key of omit) delete merged[key];
  return JSON.stringify(merged);
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, nothing was thrown');
}

describe('parseAibotEnvelope', () => {
  it('accepts {encrypt} and {Encrypt}', () => {
    expect(parseAibotEnvelope('{"encrypt":"abc="}')).toEqual({ encrypt: 'abc=' });
    expect(parseAibotEnvelope('{"Encrypt":"abc="}')).toEqual({ encrypt: 'abc=' });
  });

  it.each([
    ['invalid JSON', '{"encrypt":', 'invalid_json'],
    ['empty body', '', 'invalid_json'],
    ['XML body', '<xml><Encrypt>x</Encrypt></xml>', 'invalid_json'],
    ['no encrypt', '{"foo":"bar"}', 'missing_encrypt'],
    ['empty encrypt', '{"encrypt":""}', 'missing_encrypt'],
    ['non-string encrypt', '{"encrypt":42}', 'missing_encrypt'],
    ['array', '["encrypt"]', 'missing_encrypt'],
    ['null', 'null', 'missing_encrypt'],
    ['string', '"encrypt"', 'missing_encrypt'],
  ])('rejects %s', (_name, body, reason) => {
    const err = thrown(() => parseAibotEnvelope(body));
    expect(err).toBeInstanceOf(MalformedEnvelopeError);
    expect(err).toMatchObject({ status: 400, reason });
  });
});

describe('parseAibotPayload: messages', () => {
  it('group text: strips the leading @mention and maps every field', () => {
    const cb = parseAibotPayload(aibot({ msgtype: 'text', text: { content: '@RobotA hello robot' }, create_time: 1700000000 }));
    expect(cb).toEqual({
      type: 'message',
      msgid: base.msgid,
      aibotid: 'AIBOTID',
      chatid: 'CHATID',
      chattype: 'group',
      from: { userid: 'USERID' },
      createTime: 1700000000,
      responseUrl: base.response_url,
      msgtype: 'text',
      text: 'hello robot',
      quote: null,
    });
  });

  it('the official §4.3 plaintext', () => {
    const cb = parseAibotPayload(
      '{"msgid":"CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group","from":{"userid":"USERID"},"response_url":"RESPONSEURL","msgtype":"text","text":{"content":"@RobotA hello robot"}}',
    );
    expect(cb).toMatchObject({ type: 'message', text: 'hello robot', createTime: null, responseUrl: 'RESPONSEURL' });
  });

  it('single chat: no chatid, a leading @ is the user\'s own text', () => {
    const cb = parseAibotPayload(aibot({ chattype: 'single', msgtype: 'text', text: { content: ' @3栋 电梯坏了 ' } }, ['chatid']));
    expect(cb).toMatchObject({ type: 'message', chatid: null, chattype: 'single', text: '@3栋 电梯坏了' });
  });

  it('keeps the corpid of a cross-corp sender', () => {
    const cb = parseAibotPayload(aibot({ from: { userid: 'u1', corpid: 'wwCORP' }, msgtype: 'text', text: { content: 'hi' } }));
    expect(cb).toMatchObject({ from: { userid: 'u1', corpid: 'wwCORP' } });
  });

  it('mixed: joins text items with newlines, skips images, strips the mention', () => {
    const cb = parseAibotPayload(
      aibot({
        msgtype: 'mixed',
        mixed: {
          msg_item: [
            { msgtype: 'text', text: { content: '@睦邻助手\u2005楼道灯坏了' } },
            { msgtype: 'image', image: { url: 'https://example.invalid/img' } },
            { msgtype: 'text', text: { content: '在3栋2单元' } },
          ],
        },
      }),
    );
    expect(cb).toMatchObject({ type: 'message', msgtype: 'mixed', text: '楼道灯坏了\n在3栋2单元' });
  });

  it('text with a quoted message', () => {
    const cb = parseAibotPayload(
      aibot({ msgtype: 'text', text: { content: '@RobotA 这个怎么办' }, quote: { msgtype: 'text', text: { content: '停水通知：周三 9:00-12:00' } } }),
    );
    expect(cb).toMatchObject({ text: '这个怎么办', quote: '停水通知：周三 9:00-12:00' });
  });

  it('quoted mixed and voice give their text; a quoted image gives null', () => {
    const mixedQuote = { msgtype: 'mixed', mixed: { msg_item: [{ msgtype: 'text', text: { content: 'a' } }, { msgtype: 'image', image: { url: 'u' } }] } };
    expect(parseAibotPayload(aibot({ msgtype: 'text', text: { content: 'x' }, quote: mixedQuote }))).toMatchObject({ quote: 'a' });
    expect(parseAibotPayload(aibot({ msgtype: 'text', text: { content: 'x' }, quote: { msgtype: 'voice', voice: { content: '语音' } } }))).toMatchObject({ quote: '语音' });
    expect(parseAibotPayload(aibot({ msgtype: 'text', text: { content: 'x' }, quote: { msgtype: 'image', image: { url: 'u' } } }))).toMatchObject({ quote: null });
  });

  it('voice gives the ASR text; image, file and video give empty text', () => {
    const single = { chattype: 'single' };
    expect(parseAibotPayload(aibot({ ...single, msgtype: 'voice', voice: { content: '门禁坏了' } }, ['chatid']))).toMatchObject({ msgtype: 'voice', text: '门禁坏了' });
    for (const msgtype of ['image', 'file', 'video']) {
      expect(parseAibotPayload(aibot({ ...single, msgtype, [msgtype]: { url: 'https://example.invalid/m' } }, ['chatid']))).toMatchObject({ type: 'message', msgtype, text: '' });
    }
  });

  it('derives chattype from chatid when it is missing', () => {
    expect(parseAibotPayload(aibot({ msgtype: 'text', text: { content: '@Bot hi' } }, ['chattype']))).toMatchObject({ chattype: 'group', text: 'hi' });
    expect(parseAibotPayload(aibot({ msgtype: 'text', text: { content: 'hi' } }, ['chattype', 'chatid']))).toMatchObject({ chattype: 'single' });
  });
});

describe('parseAibotPayload: stream refresh and events', () => {
  it('stream refresh', () => {
    const cb = parseAibotPayload(aibot({ msgtype: 'stream', stream: { id: 'STREAMID' } }, ['response_url']));
    expect(cb).toEqual({
      type: 'stream_refresh',
      msgid: base.msgid,
      aibotid: 'AIBOTID',
      streamId: 'STREAMID',
      chatid: 'CHATID',
      chattype: 'group',
      from: { userid: 'USERID' },
    });
  });

  it('template_card_event', () => {
    const cb = parseAibotPayload(
      aibot({
        msgtype: 'event',
        create_time: 1700000000,
        event: {
          eventtype: 'template_card_event',
          template_card_event: {
            card_type: 'button_interaction',
            event_key: 'accept',
            task_id: 'T_42',
            selected_items: { selected_item: [{ question_key: 'q', option_ids: { option_id: ['o1'] } }] },
          },
        },
      }),
    );
    expect(cb).toEqual({
      type: 'event',
      msgid: base.msgid,
      aibotid: 'AIBOTID',
      eventtype: 'template_card_event',
      chatid: 'CHATID',
      chattype: 'group',
      from: { userid: 'USERID' },
      createTime: 1700000000,
      responseUrl: base.response_url,
      cardAction: { taskId: 'T_42', eventKey: 'accept', cardType: 'button_interaction' },
    });
  });

  it('template_card_event with the doc tables\' cardtype/eventkey/taskid spelling', () => {
    const cb = parseAibotPayload(
      aibot({ msgtype: 'event', event: { eventtype: 'template_card_event', template_card_event: { cardtype: 'vote_interaction', eventkey: 'submit', taskid: 'T1' } } }),
    );
    expect(cb).toMatchObject({ cardAction: { taskId: 'T1', eventKey: 'submit', cardType: 'vote_interaction' } });
  });

  it('template_card_event without a task id is malformed', () => {
    const err = thrown(() =>
      parseAibotPayload(aibot({ msgtype: 'event', event: { eventtype: 'template_card_event', template_card_event: { event_key: 'k' } } })),
    );
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err).toMatchObject({ reason: 'invalid_shape' });
  });

  it('enter_chat (1:1, no chatid, no payload)', () => {
    const cb = parseAibotPayload(
      aibot({ chattype: 'single', msgtype: 'event', create_time: 1700000000, event: { eventtype: 'enter_chat' } }, ['chatid', 'response_url']),
    );
    expect(cb).toEqual({
      type: 'event',
      msgid: base.msgid,
      aibotid: 'AIBOTID',
      eventtype: 'enter_chat',
      chatid: null,
      chattype: 'single',
      from: { userid: 'USERID' },
      createTime: 1700000000,
      responseUrl: null,
      cardAction: null,
    });
  });

  it('other event types pass through with their eventtype', () => {
    const cb = parseAibotPayload(aibot({ msgtype: 'event', event: { eventtype: 'feedback_event', feedback_event: { id: 'f', type: 1 } } }));
    expect(cb).toMatchObject({ type: 'event', eventtype: 'feedback_event', cardAction: null });
  });
});

describe('parseAibotPayload: malformed input', () => {
  it.each([
    ['invalid JSON', '{"msgtype":', 'invalid_json'],
    ['empty', '', 'invalid_json'],
    ['array', '[1,2]', 'invalid_shape'],
    ['null', 'null', 'invalid_shape'],
    ['number', '42', 'invalid_shape'],
    ['string', '"text"', 'invalid_shape'],
    ['no msgtype', aibot({ text: { content: 'x' } }), 'invalid_shape'],
    ['unknown msgtype', aibot({ msgtype: 'location', location: {} }), 'unsupported_msgtype'],
    ['missing msgid', aibot({ msgtype: 'text', text: { content: 'x' } }, ['msgid']), 'invalid_shape'],
    ['missing aibotid', aibot({ msgtype: 'text', text: { content: 'x' } }, ['aibotid']), 'invalid_shape'],
    ['missing from.userid', aibot({ msgtype: 'text', text: { content: 'x' }, from: {} }), 'invalid_shape'],
    ['text without content', aibot({ msgtype: 'text', text: {} }), 'invalid_shape'],
    ['text without text', aibot({ msgtype: 'text' }), 'invalid_shape'],
    ['mixed without items', aibot({ msgtype: 'mixed' }), 'invalid_shape'],
    ['bad chattype', aibot({ chattype: 'channel', msgtype: 'text', text: { content: 'x' } }), 'invalid_shape'],
    ['string create_time', aibot({ msgtype: 'text', text: { content: 'x' }, create_time: '1700000000' }), 'invalid_shape'],
    ['stream without id', aibot({ msgtype: 'stream', stream: {} }), 'invalid_shape'],
    ['event without eventtype', aibot({ msgtype: 'event', event: {} }), 'invalid_shape'],
    ['absurd text', aibot({ msgtype: 'text', text: { content: 'x'.repeat(20_001) } }), 'invalid_shape'],
    ['absurd mixed', aibot({ msgtype: 'mixed', mixed: { msg_item: Array.from({ length: 101 }, () => ({ msgtype: 'text', text: { content: 'x' } })) } }), 'invalid_shape'],
    ['absurd msgid', aibot({ msgid: 'm'.repeat(257), msgtype: 'text', text: { content: 'x' } }), 'invalid_shape'],
  ])('%s', (_name, plaintext, reason) => {
    const err = thrown(() => parseAibotPayload(plaintext));
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err).toMatchObject({ status: 400, reason });
  });

  it('names the offending field', () => {
    const err = thrown(() => parseAibotPayload(aibot({ msgtype: 'text', text: { content: 'x' }, from: {} })));
    expect((err as Error).message).toContain('from.userid');
  });

  it('ignores __proto__ keys (JSON.parse keeps them as plain data)', () => {
    const cb = parseAibotPayload(`{"__proto__":{"polluted":true},${aibot({ msgtype: 'text', text: { content: 'hi' } }).slice(1)}`);
    expect(cb).toMatchObject({ text: 'hi' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('stripMention', () => {
  it.each([
    ['@RobotA hello robot', 'hello robot'],
    ['@睦邻助手\u2005楼道灯坏了', '楼道灯坏了'],
    ['  @Bot   hi  ', 'hi'],
    ['@Bot', ''],
    ['@Bot\n报修', '报修'],
    ['@Bot 请 @张三 看看', '请 @张三 看看'],
    ['hello @Bot', 'hello @Bot'],
    ['no mention here', 'no mention here'],
    ['email a@b.com', 'email a@b.com'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(stripMention(input)).toBe(expected);
  });
});

describe('app XML', () => {
  const A2_ENVELOPE =
    '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>';
  const A2_PLAIN =
    '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>';
  const B2_PLAIN =
    '<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>';
  const event = (inner: string) =>
    `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>${inner}<AgentID>1000002</AgentID></xml>`;

  it('A2 envelope', () => {
    const env = parseAppEnvelope(A2_ENVELOPE);
    expect(env).toMatchObject({ toUserName: 'wx5823bf96d3bd56c7', agentId: '218' });
    expect(env.encrypt).toMatch(/^RypEvHKD8QQ.*E7Q==$/);
  });

  it('envelope without AgentID (corp-level events)', () => {
    expect(parseAppEnvelope('<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abcd]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>')).toEqual({
      encrypt: 'abcd',
      toUserName: 'ww1',
      agentId: null,
    });
  });

  it.each([
    ['no Encrypt', '<xml><ToUserName>ww1</ToUserName></xml>', 'missing_encrypt'],
    ['empty Encrypt', '<xml><Encrypt></Encrypt></xml>', 'missing_encrypt'],
    ['two Encrypt', '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>', 'missing_encrypt'],
    ['JSON body', '{"encrypt":"abc"}', 'invalid_xml'],
    ['other root', '<root><Encrypt>a</Encrypt></root>', 'invalid_root'],
  ])('envelope: %s', (_name, xml, reason) => {
    const err = thrown(() => parseAppEnvelope(xml));
    expect(err).toBeInstanceOf(MalformedEnvelopeError);
    expect(err).toMatchObject({ status: 400, reason });
  });

  it('A2 plaintext (CDATA, newlines between elements)', () => {
    expect(parseAppPayload(A2_PLAIN)).toEqual({
      type: 'text',
      msgId: '4561255354251345929',
      from: 'mycreate',
      createTime: 1409659813,
      content: 'hello',
      agentId: '218',
    });
  });

  it('B2 plaintext (no CDATA, UTF-8)', () => {
    expect(parseAppPayload(B2_PLAIN)).toEqual({
      type: 'text',
      msgId: '1456453720',
      from: 'ChenJiaShun',
      createTime: 1476422779,
      content: '你好',
      agentId: '1000002',
    });
  });

  it('keeps MsgId as a string (64-bit ids do not fit a JS number)', () => {
    const cb = parseAppPayload(A2_PLAIN);
    expect(cb.type === 'text' && cb.msgId).toBe('4561255354251345929');
  });

  it('card click with SelectedItems', () => {
    const xml = event(
      '<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[submit]]></EventKey><TaskId><![CDATA[task_1]]></TaskId>' +
        '<CardType><![CDATA[multiple_interaction]]></CardType><ResponseCode><![CDATA[RC123]]></ResponseCode>' +
        '<SelectedItems><SelectedItem><QuestionKey><![CDATA[q1]]></QuestionKey><OptionIds><OptionId><![CDATA[o1]]></OptionId><OptionId><![CDATA[o2]]></OptionId></OptionIds></SelectedItem>' +
        '<SelectedItem><QuestionKey><![CDATA[q2]]></QuestionKey><OptionIds><OptionId><![CDATA[o3]]></OptionId></OptionIds></SelectedItem></SelectedItems>',
    );
    expect(parseAppPayload(xml)).toEqual({
      type: 'card_click',
      from: 'zhangsan',
      createTime: 1700000000,
      event: 'template_card_event',
      taskId: 'task_1',
      eventKey: 'submit',
      cardType: 'multiple_interaction',
      responseCode: 'RC123',
      agentId: '1000002',
      selected: [
        { questionKey: 'q1', optionIds: ['o1', 'o2'] },
        { questionKey: 'q2', optionIds: ['o3'] },
      ],
    });
  });

  it('a single SelectedItem with a single OptionId still comes back as arrays', () => {
    const xml = event(
      '<Event>template_card_event</Event><EventKey>k</EventKey><TaskId>t</TaskId>' +
        '<SelectedItems><SelectedItem><QuestionKey>q</QuestionKey><OptionIds><OptionId>o</OptionId></OptionIds></SelectedItem></SelectedItems>',
    );
    expect(parseAppPayload(xml)).toMatchObject({ selected: [{ questionKey: 'q', optionIds: ['o'] }], cardType: null, responseCode: null });
  });

  it('button click without selections, and the action-menu event', () => {
    const click = event('<Event>template_card_event</Event><EventKey>accept</EventKey><TaskId>t1</TaskId><CardType>button_interaction</CardType><ResponseCode>RC</ResponseCode>');
    expect(parseAppPayload(click)).toMatchObject({ type: 'card_click', eventKey: 'accept', selected: [] });
    const menu = event('<Event>template_card_menu_event</Event><EventKey>mute</EventKey><TaskId>t1</TaskId><CardType>text_notice</CardType><SelectedItems></SelectedItems>');
    expect(parseAppPayload(menu)).toMatchObject({ type: 'card_click', event: 'template_card_menu_event', eventKey: 'mute', selected: [] });
  });

  it('other events', () => {
    expect(parseAppPayload(event('<Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey>'))).toEqual({
      type: 'event',
      from: 'zhangsan',
      createTime: 1700000000,
      event: 'enter_agent',
      agentId: '1000002',
    });
  });

  it('non-text messages are accepted as "other"', () => {
    const xml =
      '<xml><ToUserName>ww1</ToUserName><FromUserName>lisi</FromUserName><CreateTime>1700000001</CreateTime><MsgType>image</MsgType>' +
      '<PicUrl>https://example.invalid/p</PicUrl><MediaId>m1</MediaId><MsgId>9876543210</MsgId><AgentID>1</AgentID></xml>';
    expect(parseAppPayload(xml)).toEqual({ type: 'other', msgType: 'image', from: 'lisi', createTime: 1700000001, msgId: '9876543210' });
  });

  it('text containing XML-looking characters inside CDATA', () => {
    const xml = '<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content><![CDATA[<b>a & b</b> <!DOCTYPE x>]]></Content><MsgId>1</MsgId></xml>';
    expect(parseAppPayload(xml)).toMatchObject({ content: '<b>a & b</b> <!DOCTYPE x>', agentId: null });
  });

  it.each([
    ['missing FromUserName', '<xml><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>'],
    ['missing CreateTime', '<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>'],
    ['non-numeric CreateTime', '<xml><FromUserName>u</FromUserName><CreateTime>yesterday</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>'],
    ['missing MsgType', '<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><Content>x</Content><MsgId>1</MsgId></xml>'],
    ['text without Content', '<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><MsgId>1</MsgId></xml>'],
    ['text without MsgId', '<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>'],
    ['duplicated Content', '<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><Content>y</Content><MsgId>1</MsgId></xml>'],
    ['event without Event', '<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType></xml>'],
    ['card click without TaskId', '<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>template_card_event</Event><EventKey>k</EventKey></xml>'],
    ['absurd Content', `<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>${'x'.repeat(20_001)}</Content><MsgId>1</MsgId></xml>`],
  ])('missing or bad fields: %s', (_name, xml) => {
    const err = thrown(() => parseAppPayload(xml));
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err).toMatchObject({ status: 400, reason: 'invalid_shape' });
  });
});

describe('hostile and broken XML', () => {
  const XXE = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>';
  const LAUGHS =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>' +
    '<xml><Content>&lol9;</Content></xml>';

  it.each([
    ['XXE', XXE],
    ['billion laughs', LAUGHS],
    ['lower-case doctype', '<!doctype xml><xml><a>1</a></xml>'],
    ['bare ENTITY declaration', '<xml><!ENTITY a "b"><a>1</a></xml>'],
    ['DOCTYPE after an unterminated CDATA', '<xml><a><![CDATA[x</a><!DOCTYPE y></xml>'],
  ])('parseXml refuses %s outright', (_name, xml) => {
    const err = thrown(() => parseXml(xml));
    expect(err).toBeInstanceOf(MalformedEnvelopeError);
    expect(err).toMatchObject({ status: 400, reason: 'doctype_forbidden' });
  });

  it('a DTD inside a decrypted payload is a malformed payload', () => {
    const err = thrown(() => parseAppPayload(XXE));
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err).toMatchObject({ reason: 'invalid_xml' });
    expect((err as Error).message).toMatch(/DOCTYPE/);
  });

  it('an undeclared entity reference is never expanded', () => {
    expect(parseXml('<xml><Content>&xxe;</Content></xml>')).toEqual({ Content: '&xxe;' });
  });

  it.each([
    ['empty', ''],
    ['plain text', 'hello'],
    ['unclosed tag', '<xml><a>1</xml>'],
    ['unclosed root', '<xml><a>1</a>'],
    ['two roots', '<xml><a>1</a></xml><xml><a>2</a></xml>'],
    ['trailing junk', '<xml><a>1</a></xml>junk'],
    ['prototype pollution tag', '<xml><__proto__><polluted>1</polluted></__proto__></xml>'],
    ['constructor tag', '<xml><constructor>1</constructor></xml>'],
  ])('broken XML: %s', (_name, xml) => {
    const err = thrown(() => parseXml(xml));
    expect(err).toBeInstanceOf(MalformedEnvelopeError);
    expect(err).toMatchObject({ status: 400, reason: 'invalid_xml' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['root other than <xml>', '<root><a>1</a></root>'],
    ['text-only root', '<xml>hello</xml>'],
  ])('wrong root: %s', (_name, xml) => {
    expect(thrown(() => parseXml(xml))).toMatchObject({ reason: 'invalid_root' });
  });

  it('refuses oversized documents before parsing', () => {
    expect(thrown(() => parseXml(`<xml><a>${'x'.repeat(1024 * 1024)}</a></xml>`))).toMatchObject({ reason: 'too_large' });
  });

  it('tolerates a declaration, comments and surrounding whitespace; empty root is {}', () => {
    expect(parseXml('<?xml version="1.0" encoding="utf-8"?>\n<xml><!-- c --><a> 1 </a></xml>\n')).toEqual({ a: '1' });
    expect(parseXml('<xml></xml>')).toEqual({});
  });
});

describe('buildXml', () => {
  it('wraps strings in CDATA, leaves numbers bare, repeats arrays and nests objects', () => {
    expect(buildXml({ ToUserName: 'u', CreateTime: 1700000000, Button: { ReplaceName: '已处理' }, Item: ['a', 'b'] })).toBe(
      '<xml><ToUserName><![CDATA[u]]></ToUserName><CreateTime>1700000000</CreateTime>' +
        '<Button><ReplaceName><![CDATA[已处理]]></ReplaceName></Button><Item><![CDATA[a]]></Item><Item><![CDATA[b]]></Item></xml>',
    );
  });

  it('survives "]]>" and control characters in content and round-trips through parseXml', () => {
    const content = 'a]]>b <c> & \u0001d';
    const xml = buildXml({ Content: content });
    expect(parseXml(xml)).toEqual({ Content: 'a]]>b <c> & d' });
  });

  it('refuses invalid tag names and non-finite numbers', () => {
    expect(() => buildXml({ 'bad tag': 'x' })).toThrow(/tag name/);
    expect(() => buildXml({ '<script>': 'x' })).toThrow(/tag name/);
    expect(() => buildXml({ N: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('streamReply', () => {
  it('builds the stream shape', () => {
    expect(streamReply('s1', '处理中', false)).toEqual({ msgtype: 'stream', stream: { id: 's1', finish: false, content: '处理中' } });
  });

  it('leaves content at the byte limit untouched', () => {
    const content = 'a'.repeat(STREAM_MAX_BYTES);
    expect(streamReply('s', content, true).stream.content).toBe(content);
  });

  it('truncates to at most 20480 UTF-8 bytes without splitting a character', () => {
    const content = `a${'好'.repeat(10_000)}`; // 1 + 30000 bytes; the limit falls inside a 3-byte character
    const out = streamReply('s', content, true).stream.content;
    expect(Buffer.byteLength(out, 'utf8')).toBe(1 + 3 * 6826);
    expect(out).toBe(`a${'好'.repeat(6826)}`);
    expect(out).not.toContain('\uFFFD');
  });

  it('never splits a 4-byte emoji', () => {
    const content = `ab${'😀'.repeat(6000)}`; // 2 + 24000 bytes
    const out = streamReply('s', content, false).stream.content;
    expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(STREAM_MAX_BYTES);
    expect(out).toBe(`ab${'😀'.repeat(5119)}`);
  });
});
