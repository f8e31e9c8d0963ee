import { WeComSimulator, type SimKeys } from '../../scripts/lib/wecom-simulator';

/** One AI-bot callback, signed and encrypted ahead of time so the timed loop only writes bytes. */
export interface PreparedCallback {
  msgid: string;
  /** A resend of an earlier msgid (WeCom retries when it gets no answer in time). */
  repeat: boolean;
  /** Path with the signed query string. */
  path: string;
  body: Buffer;
  contentType: string;
}

export interface BuildOptions {
  keys: SimKeys;
  count: number;
  /** Makes msgids unique across phases and servers of one run. */
  idPrefix: string;
  repeatShare: number;
  /**
   * A repeat only reuses a msgid sent at least this many requests earlier, so the first
   * delivery has normally been answered already, as with a real resend seconds later.
   */
  repeatLag: number;
  seed: number;
}

const GROUP = 'wrkSFfCgAAyhmdBENCH0315a';
const TEXTS = ['3栋楼道灯坏了', '5号楼电梯又坏了，困了一个老人', '东门垃圾好几天没人清', '地下车库有车占了消防通道', '楼上漏水到我家卫生间'];
// Resends come within seconds: draw the original from the most recent first deliveries only.
const REPEAT_WINDOW = 2000;

/** Deterministic, so two runs send the same mix of new and repeated ids. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildCallbacks(opts: BuildOptions): PreparedCallback[] {
  // An empty base URL makes url() return the path and query only.
  const sim = new WeComSimulator({ baseUrl: '', aibot: opts.keys });
  const random = mulberry32(opts.seed);
  let firsts = 0;
  const out: PreparedCallback[] = [];
  for (let i = 0; i < opts.count; i++) {
    const eligible = firsts - Math.ceil(opts.repeatLag);
    const repeat = eligible > 0 && random() < opts.repeatShare;
    let k: number;
    if (repeat) {
      const from = Math.max(0, eligible - REPEAT_WINDOW);
      k = from + Math.floor(random() * (eligible - from));
    } else {
      k = firsts++;
    }
    // A resend carries the same payload as the first delivery, under a fresh signature.
    const msgid = `${opts.idPrefix}-${k}`;
    const req = sim.aibotText({ msgid, chatid: GROUP, userid: `resident.${k % 97}`, text: TEXTS[k % TEXTS.length] ?? '' });
    out.push({ msgid, repeat, path: sim.url(req), body: Buffer.from(req.body, 'utf8'), contentType: req.contentType });
  }
  return out;
}

/** Number of distinct msgids in a batch. */
export function uniqueIds(reqs: readonly PreparedCallback[]): number {
  return reqs.reduce((n, r) => n + (r.repeat ? 0 : 1), 0);
}
