import type { Labels } from '../../domain/labels';
import type { TicketGap } from '../../domain/ticket';
import { extractBuilding, extractLandmark } from '../classify/extract-place';
import { detectEmergency } from '../classify/emergency-rules';
import type { Classification } from './classify-message';

const ANSWER_MAX_CHARS = 40;

/**
 * Is this the resident's answer to the bot's question? A short message or one that
 * names a place is; a long message about something else is a new report, and the
 * open question then times out on its own.
 */
export function looksLikeAnswer(text: string): boolean {
  if (detectEmergency(text)) return false;
  if (extractBuilding(text) || extractLandmark(text)) return true;
  return [...text.trim()].length <= ANSWER_MAX_CHARS;
}

/** The original classification completed with the answer; the gap stays marked if the answer did not fill it. */
export function completeWithAnswer(original: Classification, missing: TicketGap, answer: string): { classification: Classification; gaps: TicketGap[] } {
  const building = extractBuilding(answer) ?? original.labels.building;
  const landmark = extractLandmark(answer);
  const placeGiven = building !== original.labels.building || landmark !== null;
  const labels: Labels = {
    ...original.labels,
    building,
    needs_clarification: false,
    summary: landmark && !original.labels.summary.includes(landmark) ? `${landmark}${original.labels.summary}`.slice(0, 40) : original.labels.summary,
  };
  const filled = missing === 'place' ? placeGiven : answer.trim().length > 0;
  return { classification: { ...original, labels }, gaps: filled ? [] : [missing] };
}

/** What the question should ask for: the place, unless one is already known. */
export function missingPart(labels: Labels, text: string): TicketGap {
  return labels.building === null && extractLandmark(text) === null ? 'place' : 'problem';
}
