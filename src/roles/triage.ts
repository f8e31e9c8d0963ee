import { readFileSync } from 'node:fs';
import type { Config } from '../config';
import type { Logger } from '../log';
import { createWorkCalendar, type CalendarOverride, type WorkCalendar } from '../domain/work-calendar';
import { DEFAULT_SLA_POLICY } from '../domain/sla';
import { LlmBudget } from '../llm/budget';
import { ClassificationCache } from '../llm/classify-cache';
import { GuardedClassifier } from '../llm/guarded-classifier';
import { OpenAiClassifier } from '../llm/openai-classifier';
import { loadPrompt } from '../llm/prompt';
import { createTriageHandler } from '../pipeline/triage/triage-handler';
import type { ClarifyTimeoutDeps } from '../pipeline/triage/clarify-timeout';
import type { InboundHandler } from '../pipeline/handle-inbound';
import { QueueTriageTimers } from '../queues/triage-timers';
import { WeComGroupPoster } from '../channels/wecom/group-poster';
import { WeComStaffNotifier } from '../channels/wecom/staff-notifier';
import type { Services } from './services';
import { NO_CLOCK, type TicketClock } from '../pipeline/ticket-clock';

export type TriageConfig = Pick<
  Config,
  | 'QUEUE_PREFIX'
  | 'OPENAI_BASE_URL'
  | 'OPENAI_API_KEY'
  | 'OPENAI_MODEL'
  | 'OPENAI_TIMEOUT_MS'
  | 'OPENAI_MAX_RETRIES'
  | 'OPENAI_RESPONSE_FORMAT'
  | 'LLM_DAILY_CALLS_GLOBAL'
  | 'LLM_DAILY_TOKENS_GLOBAL'
  | 'LLM_DAILY_CALLS_PER_COMPOUND'
  | 'LLM_DAILY_TOKENS_PER_COMPOUND'
  | 'LLM_CACHE_SECONDS'
  | 'LLM_SKIP_CONFIDENCE'
  | 'CLARIFY_WAIT_MINUTES'
  | 'CONTEXT_MESSAGES'
  | 'CALENDAR_OVERRIDES_PATH'
>;

/** Operators can add next year's holidays before the package is updated: a JSON list of {date, workday, name}. */
export function loadCalendar(path: string | undefined): WorkCalendar {
  if (!path) return createWorkCalendar();
  const overrides = JSON.parse(readFileSync(path, 'utf8')) as CalendarOverride[];
  return createWorkCalendar({ overrides });
}

export interface Triage {
  handler: InboundHandler;
  clarifyTimeoutDeps: ClarifyTimeoutDeps;
  calendar: WorkCalendar;
  notifier: WeComStaffNotifier;
  group: WeComGroupPoster;
  clock: TicketClock;
}

export function buildTriage(services: Services, config: TriageConfig, log: Logger, now: () => Date, clock: TicketClock = NO_CLOCK): Triage {
  const prompt = loadPrompt('classify');
  const llm =
    config.OPENAI_BASE_URL && config.OPENAI_MODEL
      ? new OpenAiClassifier({
          baseUrl: config.OPENAI_BASE_URL,
          apiKey: config.OPENAI_API_KEY,
          model: config.OPENAI_MODEL,
          timeoutMs: config.OPENAI_TIMEOUT_MS,
          maxRetries: config.OPENAI_MAX_RETRIES,
          responseFormat: config.OPENAI_RESPONSE_FORMAT,
          prompt,
        })
      : null;
  if (!llm) log.warn('no LLM configured (OPENAI_BASE_URL / OPENAI_MODEL): the local classifier labels every message');
  const guarded = new GuardedClassifier({
    classifier: llm,
    budget: new LlmBudget({
      redis: services.redis,
      prefix: `${config.QUEUE_PREFIX}:llm-budget`,
      limits: {
        globalCallsPerDay: config.LLM_DAILY_CALLS_GLOBAL,
        globalTokensPerDay: config.LLM_DAILY_TOKENS_GLOBAL,
        compoundCallsPerDay: config.LLM_DAILY_CALLS_PER_COMPOUND,
        compoundTokensPerDay: config.LLM_DAILY_TOKENS_PER_COMPOUND,
      },
      now,
    }),
    cache: new ClassificationCache({ redis: services.redis, prefix: `${config.QUEUE_PREFIX}:llm-cache:${prompt.version}`, ttlSeconds: config.LLM_CACHE_SECONDS }),
    log: log.child({ component: 'llm' }),
  });
  const calendar = loadCalendar(config.CALENDAR_OVERRIDES_PATH);
  const open = { tickets: services.tickets, sla: DEFAULT_SLA_POLICY, calendar, clock };
  const notifier = new WeComStaffNotifier(services.outbound);
  const group = new WeComGroupPoster(services.outbound, log.child({ component: 'group-poster' }));
  const handler = createTriageHandler({
    classify: { llm: guarded, localConfidenceToSkipLlm: config.LLM_SKIP_CONFIDENCE },
    open,
    tickets: services.tickets,
    openTickets: services.openTickets,
    inbound: services.inbound,
    history: services.senderHistory,
    clarifications: services.clarifications,
    timers: new QueueTriageTimers(services.timersQueue, now),
    notifier,
    clarifyWaitMs: config.CLARIFY_WAIT_MINUTES * 60_000,
    contextMessages: config.CONTEXT_MESSAGES,
  });
  return {
    handler,
    calendar,
    clock,
    notifier,
    group,
    clarifyTimeoutDeps: {
      open,
      notifier,
      clarifications: services.clarifications,
      inbound: services.inbound,
      compounds: services.compounds,
      group,
      log: log.child({ component: 'clarify-timeout' }),
    },
  };
}
