import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './private-services';

const ROOT = join(__dirname, '..', '..');

export interface BotProcess {
  role: 'web' | 'worker';
  port: number | null;
  baseUrl: string | null;
  child: ChildProcess;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  terminate(): Promise<number | null>;
}

/** Starts `src/main.ts <role>` as its own process, like one container of a deployment. */
export async function startBotProcess(role: 'web' | 'worker', env: Record<string, string>): Promise<BotProcess> {
  const port = role === 'web' ? await freePort() : null;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', role], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port ?? 0), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = role === 'web' ? 'web role listening' : 'worker role started';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start:\n${out}`)), 30_000);
    const check = () => {
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => reject(new Error(`${role} exited with ${code}:\n${out}`)));
  });
  return {
    role,
    port,
    baseUrl: port ? `http://127.0.0.1:${port}` : null,
    child,
    output: () => out,
    async terminate() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
  };
}
