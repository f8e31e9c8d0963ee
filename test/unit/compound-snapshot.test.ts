import { compoundSchema, type Compound } from '../../src/domain/compound';
import { snapshotDirectory } from '../../src/pipeline/cached-compounds';

const compound = (code: string, chatId: string | null, staffChatId: string | null = null): Compound =>
  compoundSchema.parse({ code, name: code, street: '宜城街道', groupKind: 'internal', chatId, staffChatId, secretary: `shuji.${code}` });

/** A registry in memory that counts how often the directory read all of it. */
class Registry {
  compounds: Compound[] = [];
  reads = 0;
  failNext = false;
  async list(): Promise<Compound[]> {
    this.reads++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store down');
    }
    return [...this.compounds];
  }
}

describe('snapshotDirectory', () => {
  let clock = 0;
  const now = () => clock;
  let registry: Registry;

  beforeEach(() => {
    clock = 0;
    registry = new Registry();
    registry.compounds = [compound('YX01', 'chat-res-1', 'chat-staff-1'), compound('YX02', 'chat-res-2')];
  });

  it('tells a residents’ group from a staff group, and answers null for a chat no compound owns', async () => {
    const dir = snapshotDirectory(registry, 30_000, now);
    expect(await dir.byChatId('chat-res-1')).toMatchObject({ compound: { code: 'YX01' }, via: 'group' });
    expect(await dir.byChatId('chat-staff-1')).toMatchObject({ compound: { code: 'YX01' }, via: 'staff' });
    expect(await dir.byChatId('chat-res-2')).toMatchObject({ compound: { code: 'YX02' }, via: 'group' });
    expect(await dir.byChatId('chat-nobody')).toBeNull();
  });

  it('reads the registry once per period, however many messages ask, even at the same moment', async () => {
    const dir = snapshotDirectory(registry, 30_000, now);
    await Promise.all(Array.from({ length: 50 }, (_, i) => dir.byChatId(i % 2 ? 'chat-res-1' : 'chat-unknown')));
    clock = 29_999;
    await dir.byChatId('chat-res-2');
    expect(registry.reads).toBe(1);
  });

  it('shows a compound loaded by the operator after the period', async () => {
    const dir = snapshotDirectory(registry, 30_000, now);
    expect(await dir.byChatId('chat-res-3')).toBeNull();
    registry.compounds.push(compound('YX03', 'chat-res-3'));
    clock = 30_000;
    expect(await dir.byChatId('chat-res-3')).toMatchObject({ compound: { code: 'YX03' }, via: 'group' });
    expect(registry.reads).toBe(2);
  });

  it('keeps answering from the last snapshot when a reload fails, and tries again on the next message', async () => {
    const dir = snapshotDirectory(registry, 30_000, now);
    await dir.byChatId('chat-res-1');
    clock = 31_000;
    registry.failNext = true;
    expect(await dir.byChatId('chat-res-1')).toMatchObject({ compound: { code: 'YX01' } });
    expect(await dir.byChatId('chat-res-2')).toMatchObject({ compound: { code: 'YX02' } });
    expect(registry.reads).toBe(3);
  });

  it('fails the message when there is no snapshot yet and the store is down (the job is retried)', async () => {
    const dir = snapshotDirectory(registry, 30_000, now);
    registry.failNext = true;
    await expect(dir.byChatId('chat-res-1')).rejects.toThrow('store down');
    expect(await dir.byChatId('chat-res-1')).toMatchObject({ compound: { code: 'YX01' } });
  });
});
