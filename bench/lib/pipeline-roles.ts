import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { PipelineChildMessage, PipelineChildSpec, StoreCommandStat } from './pipeline-spec';

// Starts and stops the role children of pipeline-load.ts (bench/lib/pipeline-child.ts).

export interface RoleChild {
  spec: PipelineChildSpec;
  child: ChildProcess;
  pid: number;
  /** The web role's port; null for a worker. */
  port: number | null;
}

const READY_MS = 60_000;
const STOP_MS = 70_000;

export async function startRole(spec: PipelineChildSpec, extraExecArgv: string[], registry: Set<ChildProcess>): Promise<RoleChild> {
  // fork keeps tsx's loader flags, so the child runs the TypeScript sources like the parent.
  const child = fork(join(__dirname, 'pipeline-child.ts'), [JSON.stringify(spec)], { execArgv: [...process.execArgv, ...extraExecArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  registry.add(child);
  child.once('exit', () => registry.delete(child));
  const port = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${spec.role} ${spec.index} not ready within ${READY_MS / 1000} s`)), READY_MS);
    const onMessage = (msg: PipelineChildMessage) => {
      if (msg.type === 'ready') {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(msg.port);
      } else if (msg.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${spec.role} ${spec.index} failed to start: ${msg.error}`));
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${spec.role} ${spec.index} exited with ${code} before it was ready`));
    });
  });
  return { spec, child, pid: child.pid as number, port };
}

/** Store command figures since the previous call (empty unless the child traces the store). */
export function takeStoreStats(role: RoleChild): Promise<StoreCommandStat[]> {
  if (!role.child.connected) return Promise.resolve([]);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done([]), 5_000);
    const onMessage = (msg: PipelineChildMessage) => {
      if (msg.type === 'store-stats') done(msg.stats);
    };
    const done = (stats: StoreCommandStat[]) => {
      clearTimeout(timer);
      role.child.off('message', onMessage);
      resolve(stats);
    };
    role.child.on('message', onMessage);
    role.child.send({ type: 'store-stats' });
  });
}

export async function stopRole(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ type: 'stop' });
  else child.kill('SIGTERM');
  // The child finishes its in-flight requests and jobs first (see pipeline-child.ts).
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
  await exited;
  clearTimeout(timer);
}
