import type { Ticket } from '../../domain/ticket';

/** What the clock says to people; the WeCom adapter decides cards and words. Every send is keyed: the same key twice is one message. */
export interface ClockMessenger {
  toUsers(key: string, userIds: readonly string[], text: string): Promise<void>;
  /** A ticket prompt for its owners (card with the staff buttons, and words). */
  prompt(ticket: Ticket, heading: string, text: string, key: string, to?: readonly string[]): Promise<void>;
  /** "Is it really fixed?" to the reporters: a card with 解决了 / 没解决 / 不清楚 where the channel allows, and words. */
  askFixed(ticket: Ticket, userIds: readonly string[], key: string, text: string): Promise<void>;
}
