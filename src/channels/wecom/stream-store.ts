import type { Redis } from 'ioredis';

/**
 * State of AI-bot stream replies, shared by every web replica: WeCom polls a
 * stream with refresh callbacks that may land on any replica.
 */
export interface StreamSnapshot {
  content: string;
  finish: boolean;
}

export const STREAM_PLACEHOLDER = '收到，正在处理…';
export const STREAM_HANDOFF_TEXT = '问题已收到，处理结果稍后在群里回复您。';

const TTL_SECONDS = 3600; // response_url lives one hour; nothing in a stream is useful after it

// Atomic so that a late pipeline answer and the window-closing fallback never both win.
const COMPLETE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
local finish = redis.call('HGET', KEYS[1], 'finish')
local handedOff = redis.call('HGET', KEYS[1], 'handedOff')
local deadline = tonumber(redis.call('HGET', KEYS[1], 'deadline'))
if finish == '1' and handedOff ~= '1' then return {'already', ''} end
if handedOff == '1' or tonumber(ARGV[2]) >= deadline then
  local url = redis.call('HGET', KEYS[1], 'responseUrl') or ''
  if handedOff ~= '1' then redis.call('HSET', KEYS[1], 'content', ARGV[3], 'finish', '1', 'handedOff', '1') end
  if redis.call('HGET', KEYS[1], 'lateReplied') == '1' then return {'already', ''} end
  redis.call('HSET', KEYS[1], 'lateReplied', '1')
  return {'handoff', url}
end
redis.call('HSET', KEYS[1], 'content', ARGV[1], 'finish', '1')
return {'stream', ''}
`;

// Opens the stream unless it exists, then returns its state: one round trip on the hot path.
const OPEN = `
if redis.call('HSETNX', KEYS[1], 'inboundId', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'content', ARGV[2], 'finish', '0', 'handedOff', '0', 'deadline', ARGV[3], 'responseUrl', ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
return redis.call('HMGET', KEYS[1], 'content', 'finish', 'deadline')
`;

const HANDOFF = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'finish') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'content', ARGV[1], 'finish', '1', 'handedOff', '1')
return 1
`;

export type CompleteResult = { via: 'stream' } | { via: 'response_url'; url: string | null } | { via: 'none'; why: 'missing' | 'already' };

export class StreamStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(streamId: string): string {
    return `${this.prefix}:stream:${streamId}`;
  }

  /**
   * Opens the stream once (a resent callback keeps the existing state) and
   * returns what the callback should answer with.
   */
  async open(streamId: string, opts: { inboundId: string; responseUrl: string | null; deadline: Date; now: Date }): Promise<StreamSnapshot> {
    const [content, finish, deadline] = (await this.redis.eval(
      OPEN,
      1,
      this.key(streamId),
      opts.inboundId,
      STREAM_PLACEHOLDER,
      String(opts.deadline.getTime()),
      opts.responseUrl ?? '',
      String(TTL_SECONDS),
    )) as [string | null, string | null, string | null];
    if (finish !== '1' && opts.now.getTime() >= Number(deadline)) return (await this.snapshot(streamId, opts.now)) ?? { content: STREAM_HANDOFF_TEXT, finish: true };
    return { content: content ?? STREAM_PLACEHOLDER, finish: finish === '1' };
  }

  /**
   * What a refresh callback shows. Past the deadline an unfinished stream is
   * closed with a note, and the answer will go out through response_url instead:
   * WeCom stops polling six minutes after the message.
   */
  async snapshot(streamId: string, now: Date): Promise<StreamSnapshot | null> {
    const h = await this.redis.hgetall(this.key(streamId));
    if (!h.inboundId) return null;
    if (h.finish !== '1' && now.getTime() >= Number(h.deadline)) {
      await this.handOff(streamId);
      return this.snapshotAfterHandOff(streamId);
    }
    return { content: h.content ?? STREAM_PLACEHOLDER, finish: h.finish === '1' };
  }

  private async snapshotAfterHandOff(streamId: string): Promise<StreamSnapshot> {
    const h = await this.redis.hmget(this.key(streamId), 'content', 'finish');
    return { content: h[0] ?? STREAM_HANDOFF_TEXT, finish: h[1] === '1' };
  }

  /** The pipeline's final answer: into the stream while it is open, else to response_url. */
  async complete(streamId: string, text: string, now: Date): Promise<CompleteResult> {
    const [outcome, url] = (await this.redis.eval(COMPLETE, 1, this.key(streamId), text, String(now.getTime()), STREAM_HANDOFF_TEXT)) as [string, string];
    if (outcome === 'stream') return { via: 'stream' };
    if (outcome === 'handoff') return { via: 'response_url', url: url === '' ? null : url };
    return { via: 'none', why: outcome === 'missing' ? 'missing' : 'already' };
  }

  private async handOff(streamId: string): Promise<boolean> {
    return (await this.redis.eval(HANDOFF, 1, this.key(streamId), STREAM_HANDOFF_TEXT)) === 1;
  }
}
