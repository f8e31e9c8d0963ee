import { startHarness, type Harness } from '../support/harness';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Reads the Prometheus text format: one sample per non-comment line. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k as string] = v as string;
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('health, readiness and metrics endpoints', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ label: 'healthmetrics' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('/healthz answers 200 without touching dependencies', async () => {
    const res = await fetch(`${h.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 with the store and Redis both ok', async () => {
    const res = await fetch(`${h.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', store: 'ok', redis: 'ok' });
  });

  it('/metrics counts callbacks by route and outcome and times them', async () => {
    const msg = h.sim.aibotText({ msgid: 'metrics-1', chatid: 'wrkMETRICS', userid: 'resident.wu', text: '路灯坏了' });
    expect((await h.sim.post(msg)).status).toBe(200); // accepted
    expect((await h.sim.post(msg)).status).toBe(200); // duplicate
    const forged = { ...msg, query: { ...msg.query, msg_signature: '0'.repeat(40) } };
    expect((await h.sim.post(forged)).status).toBe(401); // bad_signature
    expect((await h.sim.post(h.sim.appText({ msgId: '77001', from: 'zhang.shuji', content: '好的' }))).status).toBe(200);
    expect((await h.sim.get(h.sim.urlVerification('app', 'ping'))).status).toBe(200);

    const res = await fetch(`${h.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('# TYPE mulin_callbacks_total counter');
    expect(text).toContain('# TYPE mulin_callback_duration_seconds histogram');

    const samples = parseMetrics(text);
    expect(value(samples, 'mulin_callbacks_total', { route: 'aibot', outcome: 'accepted' })).toBe(1);
    expect(value(samples, 'mulin_callbacks_total', { route: 'aibot', outcome: 'duplicate' })).toBe(1);
    expect(value(samples, 'mulin_callbacks_total', { route: 'aibot', outcome: 'bad_signature' })).toBe(1);
    expect(value(samples, 'mulin_callbacks_total', { route: 'app', outcome: 'accepted' })).toBe(1);
    expect(value(samples, 'mulin_callbacks_total', { route: 'app', outcome: 'url_verified' })).toBe(1);

    // Every POST is timed, refused ones included.
    expect(value(samples, 'mulin_callback_duration_seconds_count', { route: 'aibot' })).toBe(3);
    expect(value(samples, 'mulin_callback_duration_seconds_bucket', { route: 'aibot', le: '+Inf' })).toBe(3);
    expect(value(samples, 'mulin_callback_duration_seconds_count', { route: 'app' })).toBe(1);
    expect(value(samples, 'mulin_callback_duration_seconds_sum', { route: 'aibot' })).toBeGreaterThan(0);
  });
});
