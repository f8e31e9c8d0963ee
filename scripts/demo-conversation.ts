/**
 * The scripted demo: a short compound-group conversation sent through the real
 * webhook of a running bot, encrypted exactly as WeCom does, then what the bot
 * answered and what it stored. Run by scripts/demo.sh.
 */
import { readFile } from 'node:fs/promises';
import { connectStore } from '../src/store/connection';
import { WeComSimulator } from './lib/wecom-simulator';
import { inboundIdFor, streamIdFor } from '../src/channels/wecom/ids';

const env = process.env;
const baseUrl = env.DEMO_BASE_URL ?? 'http://127.0.0.1:3100';
const outboxPath = env.OUTBOX_PATH ?? '.run/demo-outbox.jsonl';
const GROUP = 'wrkSFfCgAAyhmdFAKE0315a'; // 优湖美地 residents' group in config/compounds.sample.yaml

const sim = new WeComSimulator({
  baseUrl,
  aibot: { token: env.WECOM_AIBOT_TOKEN ?? '', encodingAesKey: env.WECOM_AIBOT_ENCODING_AES_KEY ?? '' },
  app: { token: env.WECOM_APP_TOKEN ?? '', encodingAesKey: env.WECOM_APP_ENCODING_AES_KEY ?? '', corpId: env.WECOM_CORP_ID ?? '' },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function show(who: string, text: string): void {
  console.log(`\n  ${who}: ${text}`);
}

async function groupMessage(msgid: string, userid: string, name: string, text: string, chatid = GROUP, resend = false): Promise<void> {
  show(`${name} (${userid})`, `@睦邻小助手 ${text}`);
  const req = sim.aibotText({ msgid, chatid, userid, text });
  const first = await sim.post(req);
  const placeholder = sim.openAibotReply(first.text) as { stream: { content: string } };
  console.log(`    → HTTP ${first.status}, stream placeholder: ${placeholder.stream.content}`);
  if (resend) {
    const again = await sim.post(req);
    console.log(`    → WeCom resends the same callback: HTTP ${again.status} (recognised as a duplicate)`);
  }
  const streamId = streamIdFor(inboundIdFor('wecom_aibot', msgid));
  for (let i = 0; i < 50; i++) {
    const res = await sim.post(sim.aibotStreamRefresh({ streamId, chatid, userid }));
    const ans = sim.openAibotReply(res.text) as { stream: { finish: boolean; content: string } };
    if (ans.stream.finish) {
      console.log(`  睦邻小助手: ${ans.stream.content}`);
      return;
    }
    await sleep(200);
  }
  console.log('  睦邻小助手: (no final answer within 10 s)');
}

async function main(): Promise<void> {
  console.log('\n=== 优湖美地 residents\' group (internal WeCom group, AI bot callbacks) ===');
  await groupMessage('demo-0001', 'li.ayi', '李阿姨', '3栋东侧消防通道又被车堵了，车牌苏B·12345，车主电话13800001234', GROUP, true);
  await groupMessage('demo-0002', 'wang.xiansheng', '王先生', '南门口的路灯坏了好几天了，晚上黑乎乎的');
  await groupMessage('demo-0003', 'chen.xiaomei', '陈小妹', '谢谢小助手👍');

  console.log('\n=== a group that is not registered yet ===');
  await groupMessage('demo-0004', 'zhao.shifu', '赵师傅', '小区门口有人乱摆摊', 'wrkUNREGISTEREDGROUP');

  console.log('\n=== the branch secretary talks to the app 1:1 (XML callbacks) ===');
  show('张书记 (zhang.shuji)', '今天有哪些新反映？');
  const app = await sim.post(sim.appText({ msgId: '7390000000000000001', from: 'zhang.shuji', content: '今天有哪些新反映？' }));
  console.log(`    → HTTP ${app.status} (acknowledged at once; the answer goes out through message/send)`);
  show('张书记 clicks a card button', '受理');
  const click = await sim.post(sim.appCardClick({ from: 'zhang.shuji', taskId: 'demo_task_1', eventKey: 'accept' }));
  console.log(`    → HTTP ${click.status} (acknowledged within 5 s, action queued)`);

  const conn = await connectStore(env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/mulin_demo');
  try {
    const col = conn.collection('inbound_messages');
    for (let i = 0; i < 50 && (await col.countDocuments({ status: 'received' })) > 0; i++) await sleep(200);
    await sleep(1500); // let the delivery worker write the outbox
    console.log('\n=== what the bot stored (inbound_messages) ===');
    const docs = await col.find({}).sort({ receivedAt: 1 }).toArray();
    for (const d of docs) {
      console.log(`  ${String(d._id).slice(0, 14)}…  ${String(d.channel).padEnd(11)} ${String(d.kind).padEnd(11)} compound=${d.compoundCode ?? '-'} from=${d.senderId} status=${d.status} handledBy=${d.handledBy}`);
      console.log(`      text: ${d.text || '(card click: ' + JSON.stringify(d.action) + ')'}`);
    }
  } finally {
    await conn.close();
  }

  console.log(`\n=== what the bot would have sent to WeCom (outbox: ${outboxPath}) ===`);
  const outbox = await readFile(outboxPath, 'utf8').catch(() => '');
  for (const line of outbox.split('\n').filter(Boolean)) {
    const o = JSON.parse(line) as { destination: unknown; body: unknown };
    console.log(`  → ${JSON.stringify(o.destination)}\n    ${JSON.stringify(o.body)}`);
  }
  console.log('\nDemo finished.');
}

main().catch((err) => {
  console.error('demo failed:', err);
  process.exit(1);
});
