import { CATEGORY_NAME_ZH, type Category } from '../../domain/labels';
import { maskPii } from '../../domain/pii';
import { stripDecorations } from './normalise-text';

export const SUMMARY_MAX_CHARS = 30;

// Stickers go first (maskPii's own "[手机号]" looks like one). Masking happens before truncation so a cut can never leave half a phone
// number; leftover long digit runs (numbers maskPii does not know) are starred.
function gist(text: string): string {
  return maskPii(stripDecorations(text))
    .replace(/\d{6,}/g, '***')
    .replace(/[\s,，。!！~]+/g, '，')
    .replace(/^，|，$/g, '');
}

/** One line a secretary can read at a glance: "3栋·违停：白色轿车停在消防通道上". */
export function buildSummary(category: Category, place: string | null, text: string): string {
  const name = CATEGORY_NAME_ZH[category].split(' / ')[0] ?? category;
  const head = place ? `${place}·${name}` : name;
  const full = Array.from(`${head}：${gist(text)}`);
  return full.length <= SUMMARY_MAX_CHARS ? full.join('') : `${full.slice(0, SUMMARY_MAX_CHARS - 1).join('')}…`;
}
