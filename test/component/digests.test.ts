import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { inboundIdFor } from '../../src/channels/wecom/ids';
import { shanghaiDate } from '../../src/domain/shanghai-time';
import { DIGEST_QUEUE, fanOut } from '../../src/queues/digest-queue';
import { MONGODB_URL, REDIS_URL } from '../support/env';
import { eventually, startHarness, type Harness } from '../support/harness';

const run = promisify(execFile);
const GROUP = 'wrkSFfCgAAyhmdFAKE0315a';

describe('weekly and monthly digests', () => {
  let h: Harness;
  let t = shanghaiDate(2026, 10, 14, 10).getTime();
  const now = () => new Date(t);

  beforeAll(async () => {
    h = await startHarness({ label: 'digests', workers: true, now });
    for (const [i, text] of ['3栋东侧消防通道被车堵了', '5栋电梯坏了按钮不亮', '8栋楼下路灯不亮'].entries()) {
      expect((await h.sim.post(h.sim.aibotText({ msgid: `dg-${i}`, chatid: GROUP, userid: `r${i}`, text }))).status).toBe(200);
      await eventually(() => h.services.tickets.bySource(inboundIdFor('wecom_aibot', `dg-${i}`)).then((x) => x ?? undefined), 15_000);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  const markdownTo = (user: string) =>
    h.fake.callsTo('message/send').filter((c) => (c.body as { touser?: string; msgtype?: string }).touser?.split('|').includes(user) && (c.body as { msgtype?: string }).msgtype === 'markdown');

  it('sends each branch and each street office its monthly report exactly once, even when the fan-out runs twice', async () => {
    t = shanghaiDate(2026, 11, 1, 9, 30).getTime();
    const queue = new Queue(DIGEST_QUEUE, { connection: h.services.redis, prefix: h.name });
    const added = await fanOut(queue, { compounds: h.services.compounds, now }, 'monthly');
    await fanOut(queue, { compounds: h.services.compounds, now }, 'monthly'); // a redeploy, a second worker
    expect(added).toBe(3 + 3); // three compounds, three streets in the sample
    const branch = await eventually(() => markdownTo('zhang.shuji').find((c) => JSON.stringify(c.body).includes('睦邻月报｜优湖美地')), 20_000, 'branch report');
    expect(JSON.stringify(branch.body)).toContain('新反映 **3** 件');
    const street = await eventually(() => markdownTo('feng.jiedao').find((c) => JSON.stringify(c.body).includes('睦邻月报｜宜城街道')), 20_000, 'street report');
    expect(JSON.stringify(street.body)).toContain('反映最多的小区：优湖美地 3');
    await new Promise((r) => setTimeout(r, 500));
    expect(markdownTo('zhang.shuji').filter((c) => JSON.stringify(c.body).includes('睦邻月报'))).toHaveLength(1);
    const jobs = await queue.getJobs(['completed']);
    expect(jobs.filter((j) => j.name === 'monthly-branch')).toHaveLength(3);
    await queue.close();
  });

  it('upserts the schedules at boot with stable ids', async () => {
    const queue = new Queue(DIGEST_QUEUE, { connection: h.services.redis, prefix: h.name });
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).toEqual(['digest-monthly', 'digest-weekly']);
    expect(schedulers.find((s) => s.key === 'digest-weekly')).toMatchObject({ pattern: '0 9 * * 1', tz: 'Asia/Shanghai' });
    await queue.close();
  });

  it('gives operators the month as CSV', async () => {
    const env = { ...process.env, MONGODB_URL: MONGODB_URL.replace(/\/[^/]*$/, `/${h.name}`), REDIS_URL, QUEUE_PREFIX: h.name, LOG_LEVEL: 'warn' };
    const { stdout } = await run('npx', ['tsx', 'scripts/report-csv.ts', '2026-10', '--street', '宜城街道'], { env, cwd: `${__dirname}/../..` });
    const [header, row, ...rest] = stdout.trim().split('\n');
    expect(header).toMatch(/^month,street,compound_code,compound_name,raised,/);
    expect(row).toMatch(/^2026-10,宜城街道,YX0315,优湖美地,3,3,/);
    expect(rest).toEqual([]);
  });
});
