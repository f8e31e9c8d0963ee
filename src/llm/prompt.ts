import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Prompt {
  /** e.g. "classify.v1": stored with every result the prompt produced. */
  version: string;
  text: string;
}

export class PromptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptError';
  }
}

const FILE = /^(?<name>[a-z][a-z0-9-]*)\.v(?<n>\d+)\.md$/;
const FRONT_MATTER = /^---\r?\n(?<head>[\s\S]*?)\r?\n---\r?\n?/;

/**
 * Loads `<dir>/<name>.v<N>.md`: the highest N for a bare name ("classify"), or exactly
 * the one named ("classify.v1"). The front matter must carry `version: <name>.v<N>`
 * matching the file, so a copied file cannot silently report the old version.
 */
export function loadPrompt(name: string, dir = 'prompts'): Prompt {
  const file = resolveFile(name, resolve(dir));
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PromptError(`prompt ${file} cannot be read: ${(err as Error).message}`);
  }
  const head = FRONT_MATTER.exec(raw);
  if (!head?.groups) throw new PromptError(`${file}: no front matter (--- version: … ---) at the top`);
  const version = /^version:\s*(\S+)\s*$/m.exec(head.groups.head ?? '')?.[1];
  if (!version) throw new PromptError(`${file}: the front matter has no version`);
  const expected = /([a-z][a-z0-9-]*\.v\d+)\.md$/.exec(file)?.[1];
  if (version !== expected) throw new PromptError(`${file}: front-matter version ${version} does not match the file name (${expected})`);
  const text = raw.slice(head[0].length).trim();
  if (text === '') throw new PromptError(`${file}: the prompt is empty`);
  return { version, text };
}

function resolveFile(name: string, dir: string): string {
  if (FILE.test(`${name}.md`)) return join(dir, `${name}.md`);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    throw new PromptError(`prompt directory ${dir} cannot be read: ${(err as Error).message}`);
  }
  let best: { n: number; file: string } | null = null;
  for (const entry of entries) {
    const m = FILE.exec(entry);
    if (m?.groups?.name !== name) continue;
    const n = Number(m.groups.n);
    if (!best || n > best.n) best = { n, file: entry };
  }
  if (!best) throw new PromptError(`no prompt ${name}.v<N>.md in ${dir}`);
  return join(dir, best.file);
}
