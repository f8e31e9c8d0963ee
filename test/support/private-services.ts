import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A server of our own that a test may stop and start again, unlike the shared ones. */
export interface PrivateServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(port: number, open: boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (isOpen === open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not ${open ? 'open' : 'close'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function managed(port: number, url: string, launch: () => ChildProcess, cleanup?: () => void): PrivateServer {
  let child: ChildProcess | null = null;
  const server: PrivateServer = {
    url,
    port,
    async start() {
      child = launch();
      await waitFor(port, true);
    },
    async stop() {
      if (!child) return;
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      child = null;
      await waitFor(port, false);
      cleanup?.();
    },
  };
  return server;
}

export async function startPrivateRedis(): Promise<PrivateServer> {
  const port = await freePort();
  const server = managed(port, `redis://127.0.0.1:${port}`, () =>
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' }),
  );
  await server.start();
  return server;
}

const FERRETDB_BIN = process.env.FERRETDB_BIN ?? join(__dirname, '..', '..', '.cache', 'bin', 'ferretdb-v1.24.0-idindex');

/** A FerretDB of our own (sqlite in a temp folder); the data survives stop/start. */
export async function startPrivateFerretDb(): Promise<PrivateServer & { dispose(): void }> {
  if (!existsSync(FERRETDB_BIN)) throw new Error(`${FERRETDB_BIN} missing: run the tests through scripts/test.sh, which builds it`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mulin-ferret-'));
  const server = managed(port, `mongodb://127.0.0.1:${port}/mulin`, () =>
    spawn(
      FERRETDB_BIN,
      ['--handler=sqlite', `--sqlite-url=file:${dir}/`, `--listen-addr=127.0.0.1:${port}`, `--state-dir=${dir}`, '--debug-addr=127.0.0.1:0', '--telemetry=disable', '--log-level=ERROR'],
      { stdio: 'ignore' },
    ),
  );
  await server.start();
  return { ...server, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
