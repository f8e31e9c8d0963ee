import mongoose, { type Connection } from 'mongoose';

export type { Connection };

// Mongoose keeps `new Error().stack` of every query it runs, only to explain a query executed
// twice; the stack capture was 2% of a worker's CPU.
mongoose.set('skipOriginalStackTraces', true);

/**
 * One connection per process role (and per test file), never the global mongoose
 * singleton, so tests can run two "replicas" side by side.
 */
export async function connectStore(url: string, opts: { dbName?: string; serverSelectionTimeoutMS?: number } = {}): Promise<Connection> {
  const conn = mongoose.createConnection(url, {
    dbName: opts.dbName,
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 5000,
    autoIndex: true,
  });
  await conn.asPromise();
  return conn;
}

export function isStoreUp(conn: Connection): boolean {
  return conn.readyState === 1;
}

export async function pingStore(conn: Connection): Promise<void> {
  const db = conn.db;
  if (!db) throw new Error('store not connected');
  await db.command({ ping: 1 });
}

export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
