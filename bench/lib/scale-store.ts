import type { Connection } from '../../src/store/connection';

/**
 * Bulk insert into a repository's collection, found through its registered model so the
 * bench writes exactly where the repository reads (the repository must have been built on
 * `conn` first). One insertMany per batch instead of a few round trips per document: what
 * a city-sized data load needs and what no repository offers.
 */
export async function insertMany(conn: Connection, modelName: string, docs: readonly Record<string, unknown>[], batch = 1000): Promise<void> {
  const collection = conn.model(modelName).collection;
  for (let i = 0; i < docs.length; i += batch) await collection.insertMany(docs.slice(i, i + batch).map((d) => ({ ...d })), { ordered: false });
}
