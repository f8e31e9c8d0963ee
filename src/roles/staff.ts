import type { Logger } from '../log';
import { WeComCardResponder } from '../channels/wecom/card-responder';
import { WeComTicketChangeNotifier } from '../channels/wecom/ticket-change-notifier';
import { OpenAiStaffIntentReader } from '../llm/staff-intent-classifier';
import { loadPrompt } from '../llm/prompt';
import type { InboundHandler } from '../pipeline/handle-inbound';
import { createStaffHandler } from '../pipeline/staff/staff-handler';
import { readStaffReply } from '../pipeline/staff/read-staff-reply';
import type { StaffReplyReader } from '../pipeline/staff/reply-reader';
import type { Services } from './services';
import type { Triage, TriageConfig } from './triage';

/** Staff words are read by the LLM when one is configured, else (and whenever it fails) by the grammar. */
export function buildStaffReader(config: TriageConfig, log: Logger): StaffReplyReader {
  const llm =
    config.OPENAI_BASE_URL && config.OPENAI_MODEL
      ? new OpenAiStaffIntentReader({
          baseUrl: config.OPENAI_BASE_URL,
          apiKey: config.OPENAI_API_KEY,
          model: config.OPENAI_MODEL,
          timeoutMs: Math.min(config.OPENAI_TIMEOUT_MS, 5000),
          maxRetries: config.OPENAI_MAX_RETRIES,
          responseFormat: config.OPENAI_RESPONSE_FORMAT,
          prompt: loadPrompt('staff-intent'),
        })
      : null;
  return (text, now) => readStaffReply({ llm, log }, text, now);
}

export function buildStaff(services: Services, triage: Triage, read: StaffReplyReader): InboundHandler {
  return createStaffHandler({
    tickets: services.tickets,
    compounds: services.compounds,
    notifier: new WeComTicketChangeNotifier({ outbound: services.outbound, group: triage.group, staff: triage.notifier }),
    clock: triage.clock,
    cards: new WeComCardResponder(services.outbound),
    read,
    calendar: triage.calendar,
  });
}
