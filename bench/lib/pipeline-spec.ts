/** What pipeline-load.ts tells a role child (argv[2], JSON) and what they say to each other over IPC. */
export type PipelineRole = 'web' | 'worker';

export interface PipelineChildSpec {
  role: PipelineRole;
  /** 0 for the web, 1… for workers: names the log file and the profile. */
  index: number;
  /** Handed to loadConfig as the environment: the child reads nothing else. */
  env: Record<string, string>;
  dbName: string;
  logPath: string;
  intakeConcurrency: number;
  /** Time every store command (driver command monitoring), reported per pass. */
  traceStore: boolean;
}

/** Store commands of one kind ("find inbound_messages"): how many and their summed duration. */
export interface StoreCommandStat {
  command: string;
  count: number;
  totalMs: number;
}

export type PipelineChildMessage =
  | { type: 'ready'; port: number | null }
  | { type: 'failed'; error: string }
  | { type: 'store-stats'; stats: StoreCommandStat[] };

export type PipelineParentMessage = { type: 'stop' } | { type: 'store-stats' };
