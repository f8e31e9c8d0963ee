import type { Collection } from 'mongoose';

// The driver's calls, under the model, for the steps every message takes: lean documents need
// no casting, and mongoose's query machinery was about a tenth of a worker's CPU. Filtered on
// _id alone, the one filter FerretDB 1.24 answers from an index.

/** The raw document with this _id, or null. */
export async function readById<T>(coll: Collection, id: string): Promise<T | null> {
  return (await coll.findOne({ _id: id } as object)) as T | null;
}

/** Applies `update` to the document with this _id; resolves with it as it was before or after. */
export async function updateById<T>(coll: Collection, id: string, update: object, returnDocument: 'before' | 'after'): Promise<T | null> {
  return (await coll.findOneAndUpdate({ _id: id } as object, update, { returnDocument })) as T | null;
}

/** Inserts a complete document as built: no defaults, no casting. */
export async function insertRaw(coll: Collection, doc: object): Promise<void> {
  await coll.insertOne(doc as Parameters<Collection['insertOne']>[0]);
}
