import { startFakeOpenAi, userContent, type FakeOpenAi } from '../fakes/fake-openai';
import { eventually, startHarness, type Harness } from '../support/harness';
import {
  GROUP_YX0315,
  GROUP_YX0316,
  LlmScript,
  SLOW,
  converse,
  dropHarnessKeys,
  labels,
  llmCallsAbout,
  llmEnv,
  nonEmpty,
  previousBlocks,
  promptsAbout,
} from '../support/triage-driver';

/*
 * The LLM leg of triage, end to end: a group callback goes through the webhook, the intake
 * worker, the real OpenAI SDK talking to a local fake, the ticket store and back out as the
 * stream answer and the staff prompt. LLM_SKIP_CONFIDENCE=1.01 sends every message the rules
 * do not settle to the LLM, so the scripted answers decide.
 */

// Each test waits on several round trips through the queues; the machine is shared.
jest.setTimeout(120_000);

// Long enough that a loaded machine never times out a scripted answer, short enough for the slow case.
const TIMEOUT_MS = 3000;

describe('triage through the LLM', () => {
  let fake: FakeOpenAi;
  let llm: LlmScript;
  let h: Harness;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    llm = new LlmScript(fake);
    h = await startHarness({
      label: 'triagellm',
      workers: true,
      env: llmEnv(fake, { LLM_SKIP_CONFIDENCE: '1.01', OPENAI_TIMEOUT_MS: String(TIMEOUT_MS), OPENAI_MAX_RETRIES: '0' }),
    });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
    if (h) await dropHarnessKeys(h.name);
  });

  it('opens the ticket from the scripted answer, routed by the compound override (YX0316 garbage → branch), and prompts the assignee', async () => {
    const text = '7号楼门口的垃圾堆了好几天了，味道很大';
    llm.when(text, {
      labels: labels({ actionable: true, category: 'garbage', tier: 'property', urgency: 'normal', building: '7号楼', summary: '7号楼门口垃圾堆积多日有异味' }),
      usage: { prompt_tokens: 420, completion_tokens: 38 },
    });

    const { sent, answer, stored } = await converse(h, { chatid: GROUP_YX0316, userid: 'resident.nj.01', text });

    const ticket = await h.services.tickets.bySource(sent.id);
    expect(ticket).toMatchObject({
      compoundCode: 'YX0316',
      category: 'garbage',
      // The model said property; YX0316 has no property company and routes garbage to the branch.
      tier: 'branch',
      urgency: 'normal',
      building: '7号楼',
      summary: '7号楼门口垃圾堆积多日有异味',
      description: text,
      status: 'new',
      assignees: ['liu.shuji'],
      watchers: ['shi.loudong'],
      unitName: '南郊花园党支部',
      reportCount: 1,
      classifier: { source: 'llm', model: 'fake-model', promptVersion: 'classify.v1', fallbackReason: null, tokens: 458 },
    });
    expect(ticket?.history[0]?.data).toMatchObject({ modelTier: 'property', routingBasis: 'override' });
    expect(answer).toMatch(/^已登记 #YX0316-\d{4}【.+】.+，已转.+，预计 .+处理。$/);
    expect(answer).toBe(`已登记 #${ticket?.ref}【垃圾卫生】7号楼门口垃圾堆积多日有异味，已转南郊花园党支部，预计 3 个工作日内处理。`);
    expect(stored).toMatchObject({ compoundCode: 'YX0316', handledBy: 'triage.opened', replyText: answer });

    const calls = llmCallsAbout(fake, text);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toMatchObject({ model: 'fake-model', temperature: 0, response_format: { type: 'json_schema' } });
    expect(userContent(calls[0] as (typeof calls)[number])).toContain('小区：南郊花园');

    const prompts = await eventually(() => nonEmpty(promptsAbout(h, 'liu.shuji', ticket?.ref ?? 'missing')), SLOW, 'the secretary’s prompt');
    expect(prompts.every((p) => p.body.includes('垃圾卫生'))).toBe(true);
    expect(h.logs.find('message classified').filter((l) => l.inboundId === sent.id)).toEqual([expect.objectContaining({ category: 'garbage', source: 'llm', fallback: null })]);
  });

  it('routes by the taxonomy default whatever tier the model names (illegal parking → the enforcement station)', async () => {
    const text = '3栋东边那辆白色SUV天天停在消防通道上';
    llm.when(text, {
      labels: labels({ actionable: true, category: 'illegal_parking', tier: 'branch', urgency: 'high', building: '3栋', summary: '白色SUV长期占用3栋东侧消防通道' }),
    });

    const { sent, answer } = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.yh.01', text });

    const ticket = await h.services.tickets.bySource(sent.id);
    expect(ticket).toMatchObject({
      compoundCode: 'YX0315',
      category: 'illegal_parking',
      tier: 'enforcement',
      urgency: 'high',
      building: '3栋',
      assignees: ['zheng.zhifa'],
      watchers: ['zhang.shuji', 'zhao.loudong'],
      unitName: '宜城街道联合执法站',
      classifier: { source: 'llm', model: 'fake-model', promptVersion: 'classify.v1', fallbackReason: null },
    });
    expect(ticket?.classifier.tokens).toBeGreaterThan(0);
    expect(ticket?.history[0]?.data).toMatchObject({ modelTier: 'branch', routingBasis: 'default' });
    expect(answer).toBe(`已登记 #${ticket?.ref}【违停】白色SUV长期占用3栋东侧消防通道，已转宜城街道联合执法站，预计 4 小时内处理。`);
    const prompts = await eventually(() => nonEmpty(promptsAbout(h, 'zheng.zhifa', ticket?.ref ?? 'missing')), SLOW, 'the enforcement prompt');
    expect(prompts.every((p) => p.body.includes('违停'))).toBe(true);
  });

  it('never sends phone, plate or ID numbers to the LLM, and sends the same sender’s earlier messages as context', async () => {
    const first = '我家车位又被人占了，车主电话13912345678';
    const second = '还是那辆苏B·12345，说是身份证320282199001011234那个人的亲戚，电话１３８１２３４５６７８';
    llm.when('我家车位又被人占了', { labels: labels({ actionable: true, category: 'illegal_parking', tier: 'enforcement', urgency: 'normal', summary: '车位被占' }) });
    llm.when('还是那辆', { labels: labels({ actionable: true, category: 'illegal_parking', tier: 'enforcement', urgency: 'normal', summary: '同一辆车再次占用车位' }) });

    const a = await converse(h, { chatid: GROUP_YX0316, userid: 'resident.nj.pii', text: first });
    const b = await converse(h, { chatid: GROUP_YX0316, userid: 'resident.nj.pii', text: second });

    const toLlm = fake.requests.map((r) => JSON.stringify(r.body)).join('\n');
    for (const secret of ['13912345678', '苏B·12345', 'B·12345', '320282199001011234', '13812345678', '１３８１２３４５６７８']) {
      expect(toLlm).not.toContain(secret);
    }
    const [firstCall] = llmCallsAbout(fake, '我家车位又被人占了');
    const [secondCall] = llmCallsAbout(fake, '还是那辆');
    expect(firstCall && previousBlocks(firstCall)).toEqual([]);
    expect(secondCall && userContent(secondCall)).toContain('[车牌号]');
    expect(secondCall && userContent(secondCall)).toContain('[身份证号]');
    expect(secondCall && userContent(secondCall)).toContain('[手机号]');
    // The earlier message goes along as context, masked too.
    expect(secondCall && previousBlocks(secondCall)).toEqual(['我家车位又被人占了，车主电话[手机号]']);

    for (const answer of [a.answer, b.answer]) expect(answer).not.toMatch(/13912345678|12345|320282|１３８/);
    expect(JSON.stringify(h.logs.lines)).not.toMatch(/13912345678|苏B·12345|320282199001011234|13812345678/);
    // The stored ticket keeps what staff need.
    expect((await h.services.tickets.bySource(a.sent.id))?.description).toContain('13912345678');
  });

  it('falls back to the local classifier when the LLM is slower than the timeout, and still answers', async () => {
    const text = '5栋电梯坏了三天了，老人上下楼很不方便';
    llm.when(text, { delayMs: TIMEOUT_MS * 4, then: { labels: labels({ summary: '太迟的回答' }) } });

    const { sent, answer, stored } = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.yh.slow', text });

    const ticket = await h.services.tickets.bySource(sent.id);
    expect(ticket).toMatchObject({
      category: 'facility_repair',
      tier: 'property',
      building: '5栋',
      assignees: ['zhou.wuye', 'wu.wuye'],
      classifier: { source: 'local', model: null, promptVersion: null, fallbackReason: 'timeout', tokens: null },
    });
    expect(answer).toBe(`已登记 #${ticket?.ref}【设施报修】${ticket?.summary.replace(/^5栋·设施报修：/, '')}，已转优湖物业服务中心，预计 2 个工作日内处理。`);
    expect(stored.handledBy).toBe('triage.opened');
    expect(llmCallsAbout(fake, text)).toHaveLength(1);
    expect(h.logs.find('message classified').filter((l) => l.inboundId === sent.id)).toEqual([expect.objectContaining({ source: 'local', fallback: 'timeout' })]);
  });

  it('records http_5xx when the LLM answers 500', async () => {
    const text = '11栋楼道的声控灯不亮了，晚上上楼看不见';
    llm.when(text, { status: 500 });

    const { sent, answer } = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.yh.500', text });

    const ticket = await h.services.tickets.bySource(sent.id);
    expect(ticket).toMatchObject({ category: 'facility_repair', building: '11栋', classifier: { source: 'local', fallbackReason: 'http_5xx', model: null, tokens: null } });
    expect(answer).toMatch(new RegExp(`^已登记 #${ticket?.ref}【设施报修】.+，已转优湖物业服务中心，预计 .+处理。$`));
    expect(llmCallsAbout(fake, text)).toHaveLength(1);
  });

  it('records schema when the LLM answers invalid JSON', async () => {
    const text = '2栋门口的快递柜旁边堆满了纸箱';
    llm.when(text, { content: '{"actionable": true, "category": "fire_haz' });

    const { sent, answer } = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.yh.json', text });

    const ticket = await h.services.tickets.bySource(sent.id);
    expect(ticket).toMatchObject({ category: 'fire_hazard', tier: 'street', building: '2栋', classifier: { source: 'local', fallbackReason: 'schema', model: null } });
    expect(answer).toMatch(new RegExp(`^已登记 #${ticket?.ref}【消防隐患】.+，已转宜城街道办事处，预计 .+处理。$`));
  });

  it('records schema when the LLM names a category outside the taxonomy', async () => {
    const text = '6栋楼下的车每天都乱停，堵得出不去';
    llm.when(text, { labels: labels({ actionable: true, category: 'parking_violation', tier: 'enforcement', urgency: 'normal', building: '6栋', summary: '6栋楼下乱停车' }) });

    const { sent, answer } = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.yh.cat', text });

    const ticket = await h.services.tickets.bySource(sent.id);
    expect(ticket).toMatchObject({ category: 'illegal_parking', tier: 'enforcement', building: '6栋', classifier: { source: 'local', fallbackReason: 'schema' } });
    expect(answer).toMatch(new RegExp(`^已登记 #${ticket?.ref}【违停】.+，已转宜城街道联合执法站，预计 .+处理。$`));
  });

  it('asks the LLM once for the same text posted by two residents in two compounds within the cache window', async () => {
    const text = '小区里能不能多装几个电动车充电桩';
    llm.when(text, { labels: labels({ actionable: true, category: 'micro_wish', tier: 'branch', urgency: 'low', summary: '希望增设电动车充电桩' }) });

    const one = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.yh.wish', text });
    const two = await converse(h, { chatid: GROUP_YX0316, userid: 'resident.nj.wish', text });

    expect(llmCallsAbout(fake, text)).toHaveLength(1);
    const [t1, t2] = await Promise.all([h.services.tickets.bySource(one.sent.id), h.services.tickets.bySource(two.sent.id)]);
    expect(t1).toMatchObject({ compoundCode: 'YX0315', category: 'micro_wish', tier: 'branch', assignees: ['zhang.shuji'], classifier: { source: 'llm', promptVersion: 'classify.v1' } });
    expect(t2).toMatchObject({ compoundCode: 'YX0316', category: 'micro_wish', tier: 'branch', assignees: ['liu.shuji'], classifier: { source: 'llm', promptVersion: 'classify.v1', tokens: 0 } });
    expect(t1?.classifier.tokens).toBeGreaterThan(0);
    expect(one.answer).toBe(`已登记 #${t1?.ref}【微心愿】希望增设电动车充电桩，已转优湖美地党支部，预计 20 个工作日内处理。`);
    expect(two.answer).toBe(`已登记 #${t2?.ref}【微心愿】希望增设电动车充电桩，已转南郊花园党支部，预计 20 个工作日内处理。`);
  });
});

describe('triage when a compound has spent its daily LLM calls', () => {
  let fake: FakeOpenAi;
  let llm: LlmScript;
  let h: Harness;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    llm = new LlmScript(fake);
    h = await startHarness({ label: 'triagebudget', workers: true, env: llmEnv(fake, { LLM_SKIP_CONFIDENCE: '1.01', LLM_DAILY_CALLS_PER_COMPOUND: '1' }) });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
    if (h) await dropHarnessKeys(h.name);
  });

  it('labels the message locally with budget_compound once the compound’s calls are spent, and other compounds keep theirs', async () => {
    const first = '1号楼下水道堵了，污水冒出来了';
    const second = '7号楼的楼道灯坏了好几天';
    const elsewhere = '5栋电梯坏了三天了，老人上下楼很不方便';
    const repair = (building: string, summary: string) => ({ labels: labels({ actionable: true, category: 'facility_repair', tier: 'property', urgency: 'normal', building, summary }) });
    llm.when(first, repair('1号楼', '1号楼下水道堵塞污水外冒'));
    llm.when(second, repair('7号楼', '7号楼楼道灯坏了多日'));
    llm.when(elsewhere, repair('5栋', '5栋电梯故障三天'));

    const a = await converse(h, { chatid: GROUP_YX0316, userid: 'resident.nj.b1', text: first });
    const b = await converse(h, { chatid: GROUP_YX0316, userid: 'resident.nj.b2', text: second });
    const c = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.yh.b3', text: elsewhere });

    expect((await h.services.tickets.bySource(a.sent.id))?.classifier).toMatchObject({ source: 'llm', fallbackReason: null });
    const spent = await h.services.tickets.bySource(b.sent.id);
    expect(spent).toMatchObject({ category: 'facility_repair', tier: 'branch', building: '7号楼', classifier: { source: 'local', fallbackReason: 'budget_compound', tokens: null } });
    expect(b.answer).toMatch(new RegExp(`^已登记 #${spent?.ref}【设施报修】.+，已转南郊花园党支部，预计 .+处理。$`));
    expect(llmCallsAbout(fake, second)).toHaveLength(0);
    expect(c.answer).toMatch(/^已登记 #YX0315-\d{4}【设施报修】/);
    expect((await h.services.tickets.bySource(c.sent.id))?.classifier).toMatchObject({ source: 'llm', fallbackReason: null });
    expect(llmCallsAbout(fake, first)).toHaveLength(1);
    expect(llmCallsAbout(fake, elsewhere)).toHaveLength(1);
  });
});
