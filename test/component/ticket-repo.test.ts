import type { NewTicket, Ticket } from '../../src/domain/ticket';
import { applyAction, InvalidTransitionError } from '../../src/domain/ticket-transitions';
import { connectStore, type Connection } from '../../src/store/connection';
import { ConcurrentUpdateError, TicketRepo } from '../../src/store/ticket-repo';
import { MONGODB_URL, uniqueName } from '../support/env';
import { ticketInput } from '../support/ticket-input';

const dbName = uniqueName('ticketrepo');
const T0 = new Date('2025-03-10T01:00:00Z');
const staff = { kind: 'staff' as const, userId: 'zhang.shuji', role: 'secretary' };

let conn: Connection;
let repo: TicketRepo;
let clock = T0.getTime();
const now = () => new Date(clock);

// dueAt from T0, not from the moving clock: the street-office tests count days from it.
const input = (over: Partial<NewTicket> = {}): NewTicket => ticketInput(now(), { dueAt: new Date(T0.getTime() + 48 * 3600_000), ...over });

beforeAll(async () => {
  conn = await connectStore(MONGODB_URL, { dbName });
  repo = new TicketRepo(conn, { now });
  await repo.init();
});

afterAll(async () => {
  await conn.dropDatabase();
  await conn.close();
});

describe('TicketRepo', () => {
  it('numbers 20 concurrent creates of one compound 1..20, each once', async () => {
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => repo.create(input({ compoundCode: 'BURST', sourceInboundId: `burst-${i}` }))));
    expect(made.every((m) => m.created)).toBe(true);
    const numbers = made.map((m) => m.ticket.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const stored = await repo.list({ compoundCode: 'BURST', limit: 100 });
    expect(stored.map((t) => t.number).sort((a, b) => a - b)).toEqual(numbers);
    expect(new Set(stored.map((t) => t.ref)).size).toBe(20);
    expect((await repo.byRef('BURST', 7))?.ref).toBe('BURST-0007');
  });

  it('numbers each compound on its own', async () => {
    const a = await repo.create(input({ compoundCode: 'YX0400' }));
    const b = await repo.create(input({ compoundCode: 'YX0401' }));
    const c = await repo.create(input({ compoundCode: 'YX0400' }));
    expect([a.ticket.ref, b.ticket.ref, c.ticket.ref]).toEqual(['YX0400-0001', 'YX0401-0001', 'YX0400-0002']);
  });

  it('survives a counter that lags behind the tickets (a lost $inc, a restored backup)', async () => {
    await repo.create(input({ compoundCode: 'LAG' }));
    await repo.create(input({ compoundCode: 'LAG' }));
    await conn.collection('counters').updateOne({ _id: 'ticket:LAG' as never }, { $set: { seq: 0 } });
    const third = await repo.create(input({ compoundCode: 'LAG' }));
    const fourth = await repo.create(input({ compoundCode: 'LAG' }));
    expect([third.ticket.number, fourth.ticket.number]).toEqual([3, 4]);
  });

  it('is idempotent on the source message: a retried job gets the first ticket, sequentially or concurrently', async () => {
    const first = await repo.create(input({ compoundCode: 'IDEM', sourceInboundId: 'aibot-msg-1' }));
    const again = await repo.create(input({ compoundCode: 'IDEM', sourceInboundId: 'aibot-msg-1', summary: 'changed' }));
    expect(first.created).toBe(true);
    expect(again).toEqual({ ticket: first.ticket, created: false });
    const racing = await Promise.all(Array.from({ length: 5 }, () => repo.create(input({ compoundCode: 'IDEM', sourceInboundId: 'aibot-msg-2' }))));
    expect(racing.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(racing.map((r) => r.ticket.id)).size).toBe(1);
    expect(await repo.count({ compoundCode: 'IDEM' })).toBe(2);
  });

  it('returns plain tickets equal to what was created', async () => {
    const { ticket } = await repo.create(input({ compoundCode: 'PLAIN', gaps: ['place'], building: null }));
    const read = await repo.get(ticket.id);
    expect(read).toEqual(ticket);
    expect(Object.keys(read ?? {})).not.toContain('_id');
    expect(read?.history).toEqual([expect.objectContaining({ action: 'open', from: null, to: 'new', data: { modelTier: 'property' } })]);
    expect(read?.history[0]).not.toHaveProperty('_id');
    expect(await repo.get('nope')).toBeNull();
  });

  it('attaches a report once per message id and bumps the version', async () => {
    const { ticket } = await repo.create(input({ compoundCode: 'ATT' }));
    clock += 60_000;
    const plusOne = { userId: 'res.b', messageId: 'aibot-plus-1', at: now() };
    const first = await repo.attachReport(ticket.id, plusOne);
    const again = await repo.attachReport(ticket.id, plusOne);
    expect(first.attached).toBe(true);
    expect(again.attached).toBe(false);
    expect(again.ticket).toEqual(first.ticket);
    expect(first.ticket).toMatchObject({ reportCount: 2, version: 2, updatedAt: now() });
    expect(first.ticket.reporters.map((r) => r.messageId)).toEqual([ticket.sourceInboundId, 'aibot-plus-1']);
    expect(first.ticket.history.at(-1)).toMatchObject({ action: 'add_report', actor: { kind: 'resident', userId: 'res.b' }, from: null, to: null });
  });

  it('refuses to attach to a closed ticket', async () => {
    const { ticket } = await repo.create(input({ compoundCode: 'ATT2' }));
    const resolved = applyAction(ticket, { type: 'resolve', note: '已更换主板' }, staff, now()).ticket;
    await repo.save(resolved, ticket.version);
    await expect(repo.attachReport(ticket.id, { userId: 'res.c', messageId: 'late', at: now() })).rejects.toBeInstanceOf(InvalidTransitionError);
  });

  it('saves a transition once; a save from a stale read throws ConcurrentUpdateError and changes nothing', async () => {
    const { ticket } = await repo.create(input({ compoundCode: 'CAS' }));
    clock += 60_000;
    const accepted = applyAction(ticket, { type: 'accept' }, staff, now()).ticket;
    const saved = await repo.save(accepted, ticket.version);
    expect(saved).toMatchObject({ status: 'accepted', version: 2 });
    expect(saved.history.map((e) => e.action)).toEqual(['open', 'accept']);

    const stale = applyAction(ticket, { type: 'reject', reason: '不是我们的事' }, staff, now()).ticket;
    await expect(repo.save(stale, ticket.version)).rejects.toEqual(expect.objectContaining({ name: 'ConcurrentUpdateError', expectedVersion: 1, actualVersion: 2 }));
    await expect(repo.save(stale, ticket.version)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(await repo.get(ticket.id)).toEqual(saved);
  });

  it('a report attached after the read makes a staff save fail instead of dropping the report', async () => {
    const { ticket } = await repo.create(input({ compoundCode: 'CAS2' }));
    await repo.attachReport(ticket.id, { userId: 'res.d', messageId: 'between', at: now() });
    const progressed = applyAction(ticket, { type: 'progress', note: '已联系电梯公司' }, staff, now()).ticket;
    await expect(repo.save(progressed, ticket.version)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    const fresh = (await repo.get(ticket.id)) as Ticket;
    const retried = await repo.save(applyAction(fresh, { type: 'progress', note: '已联系电梯公司' }, staff, now()).ticket, fresh.version);
    expect(retried).toMatchObject({ status: 'in_progress', reportCount: 2, version: 3 });
    expect(retried.history.map((e) => e.action)).toEqual(['open', 'add_report', 'progress']);
  });

  it('finds open tickets by compound, category and recent reports; and a sender\'s own', async () => {
    clock = T0.getTime() + 10 * 86400_000;
    const lift = (await repo.create(input({ compoundCode: 'OPEN', reporter: { userId: 'res.e', messageId: 'o1', at: now() }, sourceInboundId: 'o1' }))).ticket;
    const noise = (await repo.create(input({ compoundCode: 'OPEN', category: 'noise', tier: 'branch', sourceInboundId: 'o2', reporter: { userId: 'res.f', messageId: 'o2', at: now() } }))).ticket;
    const done = (await repo.create(input({ compoundCode: 'OPEN', sourceInboundId: 'o3', reporter: { userId: 'res.e', messageId: 'o3', at: now() } }))).ticket;
    await repo.save(applyAction(done, { type: 'resolve', note: '修好了' }, staff, now()).ticket, done.version);
    const since = new Date(clock - 3600_000);

    expect((await repo.findOpen({ compoundCode: 'OPEN', limit: 10 })).map((t) => t.id).sort()).toEqual([lift.id, noise.id].sort());
    expect((await repo.findOpen({ compoundCode: 'OPEN', category: 'noise', limit: 10 })).map((t) => t.id)).toEqual([noise.id]);
    expect(await repo.findOpen({ compoundCode: 'OPEN', since: new Date(clock + 60_000), limit: 10 })).toEqual([]);
    expect((await repo.openForSender('OPEN', 'res.e', since)).map((t) => t.id)).toEqual([lift.id]);
    // res.f reported long ago on one ticket and just now on another: only reports since count.
    await repo.attachReport(lift.id, { userId: 'res.f', messageId: 'o4', at: now() });
    expect((await repo.openForSender('OPEN', 'res.f', since)).map((t) => t.id).sort()).toEqual([lift.id, noise.id].sort());
    expect((await repo.openForSender('OPEN', 'res.f', new Date(clock + 1))).map((t) => t.id)).toEqual([]);
  });

  it('lists and counts for a street office: by street, status, tier, overdue', async () => {
    clock = T0.getTime() + 20 * 86400_000;
    const due = (h: number) => new Date(clock + h * 3600_000);
    const mk = (over: Partial<NewTicket>) => repo.create(input({ compoundCode: 'ST1', street: '新街街道', ...over })).then((r) => r.ticket);
    const late = await mk({ dueAt: due(-5) });
    const later = await mk({ dueAt: due(-1), tier: 'enforcement', category: 'illegal_parking' });
    await mk({ dueAt: due(10) });
    await mk({ compoundCode: 'ST2', dueAt: due(-2) });
    const other = await repo.create(input({ compoundCode: 'ST3', street: '芳桥街道', dueAt: due(-3) }));

    const overdue = await repo.list({ street: '新街街道', overdueAt: now(), limit: 10 });
    expect(overdue.map((t) => t.compoundCode)).toEqual(['ST1', 'ST2', 'ST1']);
    expect(overdue[0]?.id).toBe(late.id);
    expect(overdue.map((t) => t.id)).not.toContain(other.ticket.id);
    expect((await repo.list({ street: '新街街道', overdueAt: now(), limit: 2, skip: 2 })).map((t) => t.id)).toEqual([later.id]);
    expect((await repo.list({ street: '新街街道', tier: 'enforcement', status: 'open', limit: 10 })).map((t) => t.id)).toEqual([later.id]);
    expect(await repo.countBy('compoundCode', { street: '新街街道' })).toEqual({ ST1: 3, ST2: 1 });
    expect(await repo.countBy('tier', { street: '新街街道', overdueAt: now() })).toEqual({ property: 2, enforcement: 1 });
    expect(await repo.count({ street: '新街街道', status: ['resolved', 'closed'] })).toBe(0);
  });

  it('lists escalations whose unit has not reported in', async () => {
    const { ticket } = await repo.create(input({ compoundCode: 'ESC', tier: 'branch', category: 'noise', assignees: ['zhang.shuji'] }));
    const esc = applyAction(
      ticket,
      { type: 'escalate', toTier: 'street', assignees: ['feng.jiedao'], unitName: '宜城街道办事处', reportInDueAt: new Date(clock + 3600_000) },
      staff,
      now(),
    ).ticket;
    await repo.save(esc, ticket.version);
    expect(await repo.list({ compoundCode: 'ESC', reportInOverdueAt: new Date(clock + 7200_000), limit: 5 })).toEqual([expect.objectContaining({ id: ticket.id, status: 'escalated' })]);
    expect(await repo.list({ compoundCode: 'ESC', reportInOverdueAt: now(), limit: 5 })).toEqual([]);
  });

  it('has the indexes the street office and the pipeline query by', async () => {
    const indexes = await conn.collection('tickets').indexes();
    const keys = indexes.map((i) => ({ key: i.key, unique: i.unique === true }));
    expect(keys).toEqual(
      expect.arrayContaining([
        { key: { compoundCode: 1, status: 1, createdAt: -1 }, unique: false },
        { key: { street: 1, status: 1, dueAt: 1 }, unique: false },
        { key: { status: 1, dueAt: 1 }, unique: false },
        { key: { tier: 1, status: 1 }, unique: false },
        { key: { compoundCode: 1, number: 1 }, unique: true },
        { key: { 'reporters.messageId': 1 }, unique: false },
        { key: { compoundCode: 1, 'reporters.userId': 1 }, unique: false },
      ]),
    );
  });
});
