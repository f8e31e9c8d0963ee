/** Queue names. Job data carries ids only, never personal data. */
export const QUEUES = {
  intake: 'intake',
  delivery: 'delivery',
  timers: 'timers',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** BullMQ job ids must not contain ':'; business ids are turned into safe ones here. */
export function jobId(kind: string, businessId: string): string {
  return `${kind}-${businessId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}
