import { fingerprint } from './token-cache';

/** Where one outbound WeCom message goes. Stored with the delivery; the sender turns it into an API call. */
export type Destination =
  | { kind: 'app_user'; userIds: string[] }
  | { kind: 'app_card_update'; userIds: string[]; responseCode: string }
  | { kind: 'group_webhook'; webhookKey: string }
  | { kind: 'response_url'; url: string }
  | { kind: 'customer_group_task'; sender: string; chatIds: string[] };

export type DestinationKind = Destination['kind'];

export interface RateLimitRule {
  key: string;
  limit: number;
  windowMs: number;
}

export interface Window {
  limit: number;
  windowMs: number;
}

/** Injectable so tests can use a window of a second instead of a minute. */
export interface RateLimits {
  webhook: Window;
  appMemberPerMinute: Window;
  appMemberPerHour: Window;
  customerGroupTaskPerSender: Window;
}

const MINUTE = 60_000;

/** wecom-protocol.md §3.3/§3.6: WeCom drops the excess silently or answers 45009. */
// WeCom counts a send when it arrives; ours are counted when they leave. A few seconds
// of margin keep a slow send from landing as the 21st inside WeCom's minute (measured:
// without it, 1–5 × 45009 per run in bench/scale-fanout.ts).
const SAFE_MINUTE = MINUTE + 3_000;

export const DEFAULT_RATE_LIMITS: RateLimits = {
  webhook: { limit: 20, windowMs: SAFE_MINUTE },
  appMemberPerMinute: { limit: 30, windowMs: SAFE_MINUTE },
  appMemberPerHour: { limit: 1000, windowMs: 60 * MINUTE },
  // No published number; each task waits for the owner to confirm it, so flooding one owner is never useful.
  customerGroupTaskPerSender: { limit: 10, windowMs: SAFE_MINUTE },
};

/**
 * The windows one send consumes. Card updates count against the member's app limits too:
 * WeCom doesn't say they are exempt, and they are rare enough that counting them costs nothing.
 */
export function rateLimitKeys(dest: Destination, limits: RateLimits = DEFAULT_RATE_LIMITS): RateLimitRule[] {
  switch (dest.kind) {
    case 'group_webhook':
      return [{ key: `webhook:${fingerprint(dest.webhookKey)}`, ...limits.webhook }];
    case 'app_user':
    case 'app_card_update':
      return [...new Set(dest.userIds)].flatMap((id) => [
        { key: `app:m:${id}`, ...limits.appMemberPerMinute },
        { key: `app:h:${id}`, ...limits.appMemberPerHour },
      ]);
    case 'customer_group_task':
      return [{ key: `cgtask:${dest.sender}`, ...limits.customerGroupTaskPerSender }];
    case 'response_url':
      return [];
  }
}

/** The destination without credentials, for logs and the local outbox. */
export function describeDestination(dest: Destination): Record<string, unknown> {
  switch (dest.kind) {
    case 'group_webhook':
      return { kind: dest.kind, webhookKey: fingerprint(dest.webhookKey) };
    case 'response_url': {
      // The query holds the single-use response_code: keep only host and path.
      try {
        const u = new URL(dest.url);
        return { kind: dest.kind, url: `${u.host}${u.pathname}` };
      } catch {
        return { kind: dest.kind, url: '(invalid url)' };
      }
    }
    default:
      return { ...dest };
  }
}
