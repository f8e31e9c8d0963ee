import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatLoadReport, loadCompounds } from '../../src/compounds/load';
import type { Compound } from '../../src/domain/compound';
import { ChatIdInUseError, CompoundRepo } from '../../src/store/compound-repo';
import { connectStore, type Connection } from '../../src/store/connection';
import { MONGODB_URL, uniqueName } from '../support/env';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

const dbName = uniqueName('compoundrepo');
const cliDbName = uniqueName('compoundcli');
let conn: Connection;
let repo: CompoundRepo;

beforeAll(async () => {
  conn = await connectStore(MONGODB_URL, { dbName });
  repo = new CompoundRepo(conn);
  await repo.init();
});

afterAll(async () => {
  await conn.dropDatabase();
  await conn.useDb(cliDbName).dropDatabase();
  await conn.close();
});

describe('CompoundRepo with the sample registry', () => {
  it('loads the sample, then finds nothing new in it or in the CSV twin', async () => {
    expect(await loadCompounds(repo, read('config/compounds.sample.yaml'), 'yaml')).toEqual({ created: 3, updated: 0, unchanged: 0, rejected: [] });
    expect(await repo.count()).toBe(3);
    expect(await loadCompounds(repo, read('config/compounds.sample.yaml'), 'yaml')).toEqual({ created: 0, updated: 0, unchanged: 3, rejected: [] });
    expect(await loadCompounds(repo, read('config/compounds.sample.csv'), 'csv')).toEqual({ created: 0, updated: 0, unchanged: 3, rejected: [] });
  });

  it('returns plain compounds equal to what was loaded', async () => {
    const c = await repo.byCode('YX0316');
    expect(c).toMatchObject({ name: '南郊花园', property: null, routingOverrides: { garbage: 'branch', facility_repair: 'branch', property_service: 'branch' } });
    expect(Object.keys(c ?? {})).not.toContain('_id');
    expect(await repo.byCode('NOPE')).toBeNull();
  });

  it('upserts created -> unchanged -> updated', async () => {
    const base = (await repo.byCode('YX0315')) as Compound;
    const copy: Compound = { ...base, code: 'YX0999', chatId: 'wrkFAKE0999a', staffChatId: null };
    expect(await repo.upsert(copy)).toBe('created');
    expect(await repo.upsert({ ...copy })).toBe('unchanged');
    expect(await repo.upsert({ ...copy, committee: [...copy.committee, 'new.zhiwei'] })).toBe('updated');
    expect((await repo.byCode('YX0999'))?.committee).toEqual(['li.zhiwei', 'chen.zhiwei', 'new.zhiwei']);
    expect(await repo.upsert({ ...copy, active: false }, { dryRun: true })).toBe('updated');
    expect((await repo.byCode('YX0999'))?.active).toBe(true);
    expect(await repo.upsert({ ...copy, active: false })).toBe('updated');
  });

  it('finds a compound by its residents group or its staff group', async () => {
    expect(await repo.byChatId('wrkSFfCgAAyhmdFAKE0315a')).toMatchObject({ via: 'group', compound: { code: 'YX0315' } });
    expect(await repo.byChatId('wrkSFfCgAAyhmdFAKE0315s')).toMatchObject({ via: 'staff', compound: { code: 'YX0315' } });
    expect(await repo.byChatId('wrkSFfCgAAfnyFAKE0317s')).toMatchObject({ via: 'staff', compound: { code: 'YX0317' } });
    expect(await repo.byChatId('wrkUNKNOWN')).toBeNull();
  });

  it('refuses a chat id that belongs to another compound', async () => {
    const c = (await repo.byCode('YX0317')) as Compound;
    await expect(repo.upsert({ ...c, staffChatId: 'wrkSFfCgAAyhmdFAKE0315a' })).rejects.toEqual(
      expect.objectContaining({ name: 'ChatIdInUseError', field: 'staffChatId', usedBy: 'YX0315' }),
    );
    await expect(repo.upsert({ ...c, staffChatId: 'wrkSFfCgAAyhmdFAKE0315a' })).rejects.toBeInstanceOf(ChatIdInUseError);
    expect((await repo.byCode('YX0317'))?.staffChatId).toBe('wrkSFfCgAAfnyFAKE0317s');
  });

  it('lists by street and by active flag', async () => {
    expect((await repo.list({ street: '宜城街道' })).map((c) => c.code)).toEqual(['YX0315', 'YX0999']);
    expect((await repo.list({ active: false })).map((c) => c.code)).toEqual(['YX0999']);
    expect((await repo.list()).map((c) => c.code)).toEqual(['YX0315', 'YX0316', 'YX0317', 'YX0999']);
  });
});

describe('loadCompounds with bad rows', () => {
  it('loads the good rows and reports the bad one by line', async () => {
    const report = await loadCompounds(repo, read('test/fixtures/compounds.one-bad.csv'), 'csv');
    expect(report).toMatchObject({ created: 2, updated: 0, unchanged: 0, rejected: [{ line: 4, code: 'YX0402' }] });
    expect(await repo.byCode('YX0401')).not.toBeNull();
    expect(await repo.byCode('YX0403')).not.toBeNull();
    expect(await repo.byCode('YX0402')).toBeNull();
    expect(formatLoadReport(report).split('\n')[1]).toMatch(/^line 4 \(YX0402\): building_leaders\.#1: must be building:userid; /);
  });

  it('reports a row whose chat id the store already gives to another compound', async () => {
    const text = ['compounds:', '  - code: YX0500', '    name: 新城', '    street: 宜城街道', '    groupKind: internal', '    chatId: wrkSFfCgAAnjhyFAKE0316a', '    secretary: a.b'].join('\n');
    expect(await loadCompounds(repo, text, 'yaml')).toEqual({
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: [{ line: 2, code: 'YX0500', problems: ['chatId: already used by compound YX0316'] }],
    });
  });
});

describe('scripts/load-compounds.ts', () => {
  const cliUrl = (() => {
    const u = new URL(MONGODB_URL);
    u.pathname = `/${cliDbName}`;
    return u.toString();
  })();

  function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile('npx', ['tsx', 'scripts/load-compounds.ts', ...args], { cwd: ROOT, env: { ...process.env, MONGODB_URL: cliUrl }, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
      });
    });
  }

  it('writes the good rows, prints the report and exits 1 when a row is rejected', async () => {
    const run = await runCli(['test/fixtures/compounds.one-bad.csv']);
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('created 2, updated 0, unchanged 0, rejected 1');
    expect(lines[1]).toMatch(/^line 4 \(YX0402\): .*secretary: must be a WeCom userid/);
    expect(await new CompoundRepo(conn.useDb(cliDbName)).count()).toBe(2);
  });

  it('exits 2 on a file it cannot read', async () => {
    const run = await runCli(['config/no-such-file.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot read config\/no-such-file\.yaml/);
  });
});
