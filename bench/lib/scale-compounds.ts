import { isDeepStrictEqual } from 'node:util';
import { compoundSchema, type Compound } from '../../src/domain/compound';
import type { Connection } from '../../src/store/connection';
import type { CompoundRepo } from '../../src/store/compound-repo';
import { insertMany } from './scale-store';

// A synthetic city: N compounds on 40 streets. Six in seven are internal groups with a push
// webhook (like config/compounds.sample.yaml's YX0315), one in seven a customer group whose
// posts wait for the owner (like YX0317). Every id and key is fake and distinct.

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export function scaleCompoundCode(i: number): string {
  return `SC${pad(i + 1, 6)}`;
}

/** The compound's push-webhook key; also what the delivery section posts to. */
export function scaleWebhookKey(i: number): string {
  return `${hex(i + 1, 8)}-scal-4000-8000-${hex(i + 1, 12)}`;
}

export function scaleCompound(i: number): Compound {
  const code = scaleCompoundCode(i);
  const street = `第${pad((i % 40) + 1, 2)}街道`;
  const u = (role: string) => `${role}.${code.toLowerCase()}`;
  const customer = i % 7 === 6;
  return compoundSchema.parse({
    code,
    name: `规模测试${pad(i + 1, 6)}小区`,
    street,
    community: `${street}第${(i % 9) + 1}社区`,
    groupKind: customer ? 'customer' : 'internal',
    chatId: customer ? null : `wrkSFfCgAAScale${pad(i + 1, 6)}a`,
    staffChatId: `wrkSFfCgAAScale${pad(i + 1, 6)}s`,
    pushWebhookKey: customer ? null : scaleWebhookKey(i),
    groupOwner: u('shequ'),
    secretary: u('shuji'),
    committee: [u('zhiwei1'), u('zhiwei2')],
    buildingLeaders: [
      { building: '3栋', userId: u('loudong3') },
      { building: '5栋', userId: u('loudong5') },
    ],
    property: { name: `${code}物业服务中心`, contacts: [u('wuye1')] },
    enforcement: { name: `${street}联合执法站`, contacts: [u('zhifa')] },
    streetOffice: { name: `${street}办事处`, contacts: [u('jiedao')] },
  });
}

export interface CompoundLoad {
  count: number;
  /** Compounds written one by one through CompoundRepo.upsert, and how long they took. */
  upserted: number;
  upsertMs: number;
  /** Compounds written with insertMany, and how long they took. */
  bulk: number;
  bulkMs: number;
  totalMs: number;
  /** What upserting all of them would take at the measured rate. */
  projectedUpsertMs: number;
}

/**
 * Times CompoundRepo.upsert (4 in flight) on the first `sample` compounds and keeps using it
 * when all `count` would load within `upsertBudgetMs`; otherwise inserts the rest in bulk.
 * Checks afterwards that the repository reads back exactly what was generated.
 */
export async function loadScaleCompounds(conn: Connection, repo: CompoundRepo, count: number, opts: { sample: number; upsertBudgetMs: number }): Promise<CompoundLoad> {
  const started = performance.now();
  await repo.init();
  const sample = Math.min(count, opts.sample);
  let next = 0;
  const upsertUpTo = async (limit: number) => {
    const lane = async () => {
      while (next < limit) {
        const i = next++;
        const outcome = await repo.upsert(scaleCompound(i));
        if (outcome !== 'created') throw new Error(`compound ${scaleCompoundCode(i)} was ${outcome}, not created: the database is not fresh`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, lane));
  };
  await upsertUpTo(sample);
  let upsertMs = performance.now() - started;
  const projectedUpsertMs = (upsertMs / Math.max(sample, 1)) * count;
  let bulkMs = 0;
  if (projectedUpsertMs <= opts.upsertBudgetMs) {
    await upsertUpTo(count);
    upsertMs = performance.now() - started;
  } else {
    const t = performance.now();
    const now = new Date();
    const docs = Array.from({ length: count - sample }, (_, k) => ({ ...scaleCompound(sample + k), createdAt: now, updatedAt: now }));
    await insertMany(conn, 'Compound', docs);
    bulkMs = performance.now() - t;
  }
  const stored = await repo.count();
  if (stored !== count) throw new Error(`${stored} compounds stored, ${count} expected: the database is not fresh`);
  for (const i of [0, sample, count - 1].filter((x) => x < count)) {
    if (!isDeepStrictEqual(await repo.byCode(scaleCompoundCode(i)), scaleCompound(i))) throw new Error(`compound ${scaleCompoundCode(i)} does not read back as written`);
  }
  const upserted = bulkMs === 0 ? count : sample;
  return { count, upserted, upsertMs, bulk: count - upserted, bulkMs, totalMs: performance.now() - started, projectedUpsertMs };
}
