import { randomBytes } from 'node:crypto';

// The test command (scripts/test.sh) starts Redis and FerretDB and exports these.
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const MONGODB_URL = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/mulin';

/** A name unique to one test file run: its own database and queue prefix. */
export function uniqueName(label: string): string {
  return `t_${label.replace(/[^a-zA-Z0-9]/g, '').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
}
