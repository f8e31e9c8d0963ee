import type { Document } from 'mongodb';
import type { NewTicket } from '../../src/domain/ticket';
import { connectStore, type Connection } from '../../src/store/connection';
import { TicketRepo, ticketIdFor } from '../../src/store/ticket-repo';
import { MONGODB_URL, uniqueName } from '../support/env';

/*
 * The hot path reads and writes by _id because that is the lookup the store answers from an
 * index. On the FerretDB 1.24 that scripts/services.sh builds (see ensure_ferretdb) that takes
 * its one-line fix; on MongoDB it is always so. The test runs against whichever server
 * MONGODB_URL names and checks the plan that server reports.
 *
 * FerretDB's explain reads only a `filter` (find's), so an update cannot be explained there;
 * its update, findAndModify and delete hand their filter to the same backend query as find,
 * so find's plan for a filter is what an update with that filter does. MongoDB explains the
 * update itself.
 */

const dbName = uniqueName('storeidindex');
const COLL = 'id_probe';
const DOCS = 400;

let conn: Connection;
let ferret: boolean;

const db = () => {
  if (!conn.db) throw new Error('store not connected');
  return conn.db;
};

/** Every stage name in a MongoDB plan tree (classic or SBE, any nesting). */
function stages(plan: unknown): string[] {
  if (plan === null || typeof plan !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(plan as Record<string, unknown>)) {
    if (k === 'stage' && typeof v === 'string') out.push(v);
    else out.push(...(Array.isArray(v) ? v.flatMap(stages) : stages(v)));
  }
  return out;
}

async function explain(command: Document): Promise<Document> {
  return db().command({ explain: command, verbosity: 'queryPlanner' });
}

/** FerretDB: the SQLite plan lines. */
async function ferretPlan(coll: string, filter: Document): Promise<string> {
  const res = await explain({ find: coll, filter });
  return ((res.queryPlanner as { Plan?: string[] }).Plan ?? []).join('\n');
}

/** MongoDB: the stages of the winning plan. */
async function mongoStages(command: Document): Promise<string[]> {
  const res = await explain(command);
  return stages((res.queryPlanner as Document).winningPlan);
}

const BY_ID = /^(IDHACK|EXPRESS_|IXSCAN)/;

beforeAll(async () => {
  conn = await connectStore(MONGODB_URL, { dbName });
  const info = await db().admin().command({ buildInfo: 1 });
  // FerretDB answers buildInfo with ferretdbVersion and ferretdbFeatures; MongoDB with neither.
  ferret = Object.keys(info).some((k) => k.toLowerCase().startsWith('ferretdb'));
  await db()
    .collection<{ _id: string; n: number; street: string }>(COLL)
    .insertMany(Array.from({ length: DOCS }, (_, i) => ({ _id: `doc-${i}`, n: i, street: i % 2 ? '宜城街道' : '新街街道' })));
});

afterAll(async () => {
  await conn.dropDatabase();
  await conn.close();
});

describe('lookups by _id', () => {
  it('are answered from the _id index, where a filter on another field scans', async () => {
    if (ferret) {
      expect(await ferretPlan(COLL, { _id: 'doc-123' })).toMatch(/SEARCH \S+ USING INDEX \S*_id_/);
      expect(await ferretPlan(COLL, { _id: 'no-such-doc' })).toMatch(/USING INDEX \S*_id_/);
      expect(await ferretPlan(COLL, { n: 123 })).toMatch(/\bSCAN\b/);
      expect(await ferretPlan(COLL, { n: 123 })).not.toMatch(/USING INDEX/);
      // Only a filter on _id alone: any other condition makes FerretDB 1.24 read the whole
      // collection, which is why markDone and markSent filter on _id and nothing else.
      expect(await ferretPlan(COLL, { _id: 'doc-123', n: 123 })).not.toMatch(/USING INDEX/);
    } else {
      expect(await mongoStages({ find: COLL, filter: { _id: 'doc-123' } })).toEqual(expect.arrayContaining([expect.stringMatching(BY_ID)]));
      expect(await mongoStages({ find: COLL, filter: { n: 123 } })).toContain('COLLSCAN');
      expect(await mongoStages({ find: COLL, filter: { n: 123 } })).not.toEqual(expect.arrayContaining([expect.stringMatching(BY_ID)]));
    }
  });

  it('are answered from the _id index by updateOne and findOneAndUpdate too, and change the one document', async () => {
    if (ferret) {
      // The filter an update by _id passes to FerretDB's backend query.
      expect(await ferretPlan(COLL, { _id: 'doc-7' })).toMatch(/USING INDEX \S*_id_/);
    } else {
      const update = await mongoStages({ update: COLL, updates: [{ q: { _id: 'doc-7' }, u: { $set: { seen: true } } }] });
      expect(update).toEqual(expect.arrayContaining([expect.stringMatching(BY_ID)]));
      const fam = await mongoStages({ findAndModify: COLL, query: { _id: 'doc-8' }, update: { $set: { seen: true } } });
      expect(fam).toEqual(expect.arrayContaining([expect.stringMatching(BY_ID)]));
      expect(update).not.toContain('COLLSCAN');
      expect(fam).not.toContain('COLLSCAN');
    }
    const coll = db().collection<{ _id: string; n: number; seen?: boolean }>(COLL);
    expect(await coll.updateOne({ _id: 'doc-7' }, { $set: { seen: true } })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await coll.findOneAndUpdate({ _id: 'doc-8' }, { $set: { seen: true } }, { returnDocument: 'before' })).toMatchObject({ _id: 'doc-8', n: 8 });
    expect(await coll.countDocuments({ seen: true })).toBe(2);
    expect(await coll.find({ seen: true }).sort({ n: 1 }).toArray()).toEqual([expect.objectContaining({ _id: 'doc-7', n: 7 }), expect.objectContaining({ _id: 'doc-8', n: 8 })]);
  });
});

describe('TicketRepo.bySource', () => {
  const input = (source: string, n: number): NewTicket => ({
    compoundCode: 'YX0315',
    street: '宜城街道',
    category: 'facility_repair',
    tier: 'property',
    urgency: 'normal',
    building: `${n}栋`,
    summary: `${n}栋电梯故障`,
    description: `${n}栋电梯又坏了`,
    assignees: ['zhou.wuye'],
    watchers: ['zhang.shuji'],
    unitName: '优湖物业服务中心',
    reporter: { userId: `res.${n}`, messageId: source, at: new Date('2025-04-01T02:00:00Z') },
    sourceInboundId: source,
    dueAt: null,
    gaps: [],
    classifier: { source: 'local', model: null, promptVersion: 'triage-v1', fallbackReason: null, tokens: null },
  });

  it('finds the ticket opened for a message by the id that message gives it, from the _id index', async () => {
    const repo = new TicketRepo(conn);
    await repo.init();
    const made = [];
    for (let i = 0; i < 30; i++) made.push((await repo.create(input(`aibot-src-${i}`, i))).ticket);
    const target = made[17];

    expect(target?.id).toBe(ticketIdFor('aibot-src-17'));
    expect(await repo.bySource('aibot-src-17')).toEqual(target);
    expect(await repo.bySource('aibot-src-never-opened')).toBeNull();
    // Another message never maps to the same ticket.
    expect(new Set(made.map((t) => t.id)).size).toBe(30);

    if (ferret) {
      expect(await ferretPlan('tickets', { _id: ticketIdFor('aibot-src-17') })).toMatch(/USING INDEX \S*_id_/);
    } else {
      expect(await mongoStages({ find: 'tickets', filter: { _id: ticketIdFor('aibot-src-17') } })).toEqual(expect.arrayContaining([expect.stringMatching(BY_ID)]));
    }
  });
});
