import type { Logger } from '../../log';
import type { CompoundRepo } from '../../store/compound-repo';
import type { Classification } from './classify-message';
import type { GroupPoster } from './group-poster';
import { open, forAnswer, type TriageDeps } from './triage-handler';
import { ticketOpened } from './answers';

export interface ClarifyTimeoutDeps extends Pick<TriageDeps, 'open' | 'notifier' | 'clarifications' | 'inbound'> {
  compounds: Pick<CompoundRepo, 'byCode'>;
  group: GroupPoster;
  log: Logger;
}

/**
 * Nobody answered the bot's question: the ticket is opened anyway, with the gap
 * marked so staff know to ask on site. Re-reads everything; a question answered
 * meanwhile makes this a no-op.
 */
export async function handleClarifyTimeout(deps: ClarifyTimeoutDeps, inboundId: string): Promise<'opened' | 'answered' | 'gone'> {
  const pending = await deps.clarifications.claimForTimeout(inboundId);
  if (!pending) return 'answered';
  const [msg, compound] = await Promise.all([deps.inbound.get(inboundId), deps.compounds.byCode(pending.compoundCode)]);
  if (!msg || !compound) {
    deps.log.warn({ inboundId, compound: pending.compoundCode }, 'clarification timed out but its message or compound is gone');
    return 'gone';
  }
  const opened = await open(deps, msg, compound, pending.classification as unknown as Classification, [pending.missing]);
  if (opened.created) {
    const text = `没等到补充信息，已先按现有情况登记：${ticketOpened(forAnswer(opened.ticket, opened.dueText))}`;
    await deps.group.post(compound, `clarify-timeout-${inboundId}`, text);
  }
  deps.log.info({ ticket: opened.ticket.ref, gap: pending.missing }, 'ticket opened without the clarification');
  return 'opened';
}
