import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// Linux /proc, read from outside the server so the measurement costs it nothing.

/** USER_HZ; 100 on every Linux build we run on. */
const CLOCK_TICKS_PER_SECOND = 100;

function rssKb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** utime + stime of the process, in seconds. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields are counted after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Samples VmRSS every `everyMs` and keeps the peak. */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 200,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    const kb = rssKb(this.pid);
    if (kb !== null && kb > this.peak) this.peak = kb;
  }

  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.peak / 1024;
  }
}

/**
 * The local process listening on `port` (the store or Redis), so the bench can say how much CPU
 * each request cost them too. Null when it is not on this machine or /proc/<pid>/fd is not readable.
 */
export function pidListeningOn(port: number): number | null {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; field 9 is the socket inode.
      if (f[1]?.endsWith(`:${portHex}`) && f[3] === '0A' && f[9]) inodes.add(`socket:[${f[9]}]`);
    }
  }
  if (inodes.size === 0) return null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // the fd closed while we looked
      }
    }
  }
  return null;
}
