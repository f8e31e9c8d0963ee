/** What the parent tells a server child (as argv[2], JSON) and what they say over IPC. */
export type ServerKind = 'decrypt' | 'durable' | 'mulin';

export interface ServerSpec {
  kind: ServerKind;
  mongoUrl: string;
  redisUrl: string;
  dbName: string;
  queuePrefix: string;
  token: string;
  encodingAesKey: string;
}

export type ChildMessage = { type: 'ready'; port: number } | { type: 'failed'; error: string };
export type ParentMessage = { type: 'stop' };

export const BASELINE_COLLECTION = 'bench_inbound';
export const MULIN_COLLECTION = 'inbound_messages';
