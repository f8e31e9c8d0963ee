/**
 * Where a server's CPU went, from the .cpuprofile that `callback-load.ts --cpu-prof <kind>` leaves:
 *   npx tsx bench/lib/cpu-profile-summary.ts <file.cpuprofile> [--top 25] [--match /src/]
 * Prints self time by function and inclusive time of every function whose file matches --match
 * (our code by default), each as ms and as a share of all sampled time.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function frameName(n: ProfileNode, root: string): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(root, '');
  // tsx compiles .ts files without keeping line numbers in the profile: the function name is the locator.
  const where = file === '' ? '' : file.endsWith('.ts') ? file : `${file}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

/** Where a frame's code lives: our src/, a package, Node's own JavaScript, or native/VM work. */
function owner(n: ProfileNode): string {
  const { url, functionName } = n.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : 'native (sockets, crypto, buffers)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] ?? url;
  if (url.startsWith('node:')) return 'node internals';
  const m = /\/(src|bench|scripts)\//.exec(url);
  return m ? `${m[1]}/` : url;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, match: { type: 'string', default: '/src/' } },
  });
  const file = positionals[0];
  if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [--top N] [--match substring]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const root = `${process.cwd()}`;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const byOwner = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const leaf = byId.get(id);
    if (!leaf) return;
    if (leaf.callFrame.functionName === '(idle)') idle += us;
    const leafName = frameName(leaf, root);
    self.set(leafName, (self.get(leafName) ?? 0) + us);
    const o = owner(leaf);
    byOwner.set(o, (byOwner.get(o) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n || !n.callFrame.url.includes(values.match)) continue;
      const name = frameName(n, root);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  });

  const top = Number(values.top);
  const print = (title: string, m: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [name, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
    }
  };
  console.log(`${(total / 1000).toFixed(0)} ms sampled, ${((100 * idle) / total).toFixed(1)}% idle`);
  print('self time by owner', byOwner);
  print('self time, all code', self);
  print(`inclusive time, files matching "${values.match}"`, inclusive);
}

main();
