import type { AnnounceStep } from './service-day-due';
import { compactMonth, type MonthKey } from './service-day-plan';

/**
 * Job ids of the service-day schedule, also the ids of the runs it records and the keys of
 * the messages it queues: one id per compound, month and step, so a sweep that runs twice,
 * a second worker or a retried job all land on the same job, run and delivery.
 */
export const serviceDayIds = {
  announce: (code: string, month: MonthKey, step: AnnounceStep) => `sd-announce-${code}-${compactMonth(month)}-${step}`,
  planReminder: (code: string, month: MonthKey) => `sd-remind-${code}-${compactMonth(month)}`,
  summaryRequest: (code: string, month: MonthKey) => `sd-summary-${code}-${compactMonth(month)}`,
  ownerReminder: (code: string, month: MonthKey, step: AnnounceStep, n: number) => `sd-owner-${code}-${compactMonth(month)}-${step}-${n}`,
  ownerConfirmed: (code: string, month: MonthKey, step: AnnounceStep) => `sd-confirmed-${code}-${compactMonth(month)}-${step}`,
} as const;
