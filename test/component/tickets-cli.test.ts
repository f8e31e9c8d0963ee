import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inboundIdFor } from '../../src/channels/wecom/ids';
import { MONGODB_URL, REDIS_URL } from '../support/env';
import { eventually, startHarness, type Harness } from '../support/harness';

const run = promisify(execFile);

describe('operators act on tickets from the command line', () => {
  let h: Harness;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    h = await startHarness({ label: 'ticketcli', workers: true });
    env = { ...process.env, MONGODB_URL: MONGODB_URL.replace(/\/[^/]*$/, `/${h.name}`), REDIS_URL, QUEUE_PREFIX: h.name, LOG_LEVEL: 'warn' };
    expect((await h.sim.post(h.sim.aibotText({ msgid: 'cli-1', chatid: 'wrkSFfCgAAyhmdFAKE0315a', userid: 'li.ayi', text: '6栋电梯坏了，困在里面出不来' }))).status).toBe(200);
    await eventually(() => h.services.tickets.bySource(inboundIdFor('wecom_aibot', 'cli-1')).then((t) => t ?? undefined), 15_000);
  });
  afterAll(async () => {
    await h.close();
  });

  const cli = (...args: string[]) => run('npx', ['tsx', 'scripts/tickets.ts', ...args], { env, cwd: `${__dirname}/../..` });

  it('lists, shows with history, and transitions through the same rules as chat', async () => {
    const listed = await cli('list', '--compound', 'YX0315', '--status', 'open');
    expect(listed.stdout).toMatch(/YX0315-0001 .*设施报修/);
    const shown = await cli('show', 'YX0315-0001');
    expect(shown.stdout).toContain('history:');
    expect(shown.stdout).toMatch(/open\s+system/);

    const done = await cli('do', 'YX0315-0001', 'resolve', '电梯公司已修复', '--as', 'wang.ops');
    expect(done.stdout).toMatch(/resolve\s+system:operator:wang\.ops/);
    expect((await h.services.tickets.byRef('YX0315', 1))?.status).toBe('resolved');

    await expect(cli('do', 'YX0315-0001', 'accept', '--as', 'wang.ops')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('not allowed now') });
    await expect(cli('show', 'YX0315-0999')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('no ticket') });
  });
});
