import http from 'node:http';
import type { PreparedCallback } from './callback-requests';

// Posts prepared AI-bot callbacks over loopback and remembers when each one left, so the
// end-to-end latency of a message can be taken from that instant to its "done" in the store.

const REQUEST_TIMEOUT_MS = 15_000;

export interface SendOutcome {
  msgid: string;
  /** Date.now() when the request was handed to the agent. */
  sentAt: number;
  status: number;
  /** Socket error code or the start of a non-200 body. */
  error: string | null;
  ms: number;
}

export interface SendOptions {
  port: number;
  /** Most requests in flight (keep-alive sockets). */
  connections: number;
  /** Requests per second; 0 sends each as soon as a connection is free. */
  rate: number;
}

function post(agent: http.Agent, port: number, req: PreparedCallback): Promise<{ status: number; error: string | null }> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number, error: string | null) => {
      if (!done) {
        done = true;
        resolve({ status, error });
      }
    };
    const r = http.request(
      { agent, host: '127.0.0.1', port, method: 'POST', path: req.path, headers: { 'content-type': req.contentType, 'content-length': String(req.body.length) } },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (status !== 200) chunks.push(c);
        });
        res.on('end', () => finish(status, status === 200 ? null : `${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 80)}`));
        res.on('error', (err) => finish(0, err.message));
      },
    );
    r.setTimeout(REQUEST_TIMEOUT_MS, () => r.destroy(new Error('timeout')));
    r.on('error', (err) => finish(0, (err as NodeJS.ErrnoException).code ?? err.message));
    r.end(req.body);
  });
}

/** Sends every request once, in order; FIFO sockets so none idles into the server's keep-alive timeout. */
export async function sendCallbacks(requests: readonly PreparedCallback[], opts: SendOptions): Promise<SendOutcome[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections, scheduling: 'fifo' });
  const out: SendOutcome[] = [];
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  try {
    for (const [i, req] of requests.entries()) {
      if (opts.rate > 0) {
        const due = start + (i * 1000) / opts.rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      while (inflight.size >= opts.connections) await Promise.race(inflight);
      const sentAt = Date.now();
      const t0 = performance.now();
      const p = post(agent, opts.port, req).then(({ status, error }) => {
        out.push({ msgid: req.msgid, sentAt, status, error, ms: performance.now() - t0 });
        inflight.delete(p);
      });
      inflight.add(p);
    }
    await Promise.all(inflight);
  } finally {
    agent.destroy();
  }
  return out;
}
