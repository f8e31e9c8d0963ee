/** Delayed work the triage pipeline asks for; the queue adapter gives each a deterministic job id. */
export interface TriageTimers {
  /** Opens the ticket anyway if the resident has not answered the bot's question by `at`. */
  clarifyTimeout(inboundId: string, at: Date): Promise<void>;
}
