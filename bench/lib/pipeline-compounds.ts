import { compoundSchema, type Compound } from '../../src/domain/compound';
import type { CompoundRepo } from '../../src/store/compound-repo';

// N compounds shaped like config/compounds.sample.yaml's two internal groups: two in three
// like 优湖美地 (a property company, a staff group and its webhook), one in three like 南郊花园
// (none of those; the branch takes garbage, repairs and property matters). Every id is distinct and fake.

const STREETS = ['宜城街道', '新街街道', '芳桥街道', '屺亭街道', '丁蜀镇'];
const NAMES = ['优湖美地', '南郊花园', '东虹苑', '阳羡新村', '荆溪家园', '龙背山庄'];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function benchCompoundCode(i: number): string {
  return `BN${pad(i + 1, 4)}`;
}

export function benchChatId(i: number): string {
  return `wrkSFfCgAABench${pad(i + 1, 5)}a`;
}

export function benchCompound(i: number): Compound {
  const code = benchCompoundCode(i);
  const street = STREETS[i % STREETS.length] ?? '宜城街道';
  const u = (role: string) => `${role}.${code.toLowerCase()}`;
  const withProperty = i % 3 !== 1;
  const raw = {
    code,
    name: `${NAMES[i % NAMES.length] ?? '小区'}${Math.floor(i / NAMES.length) + 1}期`,
    street,
    community: `${street.slice(0, 2)}社区`,
    groupKind: 'internal',
    chatId: benchChatId(i),
    // Like the sample, the compounds with a property company also have a branch staff group and its webhook.
    staffChatId: withProperty ? `wrkSFfCgAABench${pad(i + 1, 5)}s` : null,
    pushWebhookKey: `${pad(i + 1, 8)}-bnch-4000-8000-${pad(i + 1, 12)}`,
    staffWebhookKey: withProperty ? `${pad(i + 1, 8)}-bnch-4000-8000-${pad(i + 1, 10)}s1` : null,
    groupOwner: u('shequ'),
    secretary: u('shuji'),
    committee: [u('zhiwei1'), u('zhiwei2')],
    buildingLeaders: [
      { building: '3栋', userId: u('loudong3') },
      { building: '5栋', userId: u('loudong5') },
      { building: '12幢2单元', userId: u('loudong12') },
    ],
    property: withProperty ? { name: `${code}物业服务中心`, contacts: [u('wuye1'), u('wuye2')] } : null,
    enforcement: { name: `${street}联合执法站`, contacts: [u('zhifa')] },
    streetOffice: { name: `${street}办事处`, contacts: [u('jiedao')] },
    routingOverrides: withProperty ? {} : { garbage: 'branch', facility_repair: 'branch', property_service: 'branch' },
  };
  // Through the same schema as the loader script, so the bench cannot store what an operator could not.
  return compoundSchema.parse(raw);
}

/** Loads compounds with a few upserts in flight; returns how long it took. */
export async function loadBenchCompounds(repo: CompoundRepo, count: number, parallel = 4): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const outcome = await repo.upsert(benchCompound(i));
      if (outcome !== 'created') throw new Error(`compound ${benchCompoundCode(i)} was ${outcome}, not created: the database is not fresh`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return performance.now() - started;
}
