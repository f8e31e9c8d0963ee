import { maskPii } from '../../domain/pii';
import type { Ticket } from '../../domain/ticket';
import { FIX_CHECK_BUTTONS, fixCheckTaskId } from '../../pipeline/clock/fix-check-keys';
import { categoryLabel } from '../../pipeline/triage/answers';
import type { CardSpec } from './payloads';

/** "Is it really fixed?" for a reporter: what was done, and three buttons. */
export function fixCheckCard(t: Ticket): CardSpec {
  return {
    taskId: fixCheckTaskId(t.id, t.version),
    title: `问题回访 #${t.ref}【${categoryLabel(t.category)}】`,
    description: '问题真的解决了吗？',
    subTitle: t.summary,
    fields: [{ label: '处理结果', value: t.resolution ? maskPii(t.resolution) : '已处理' }],
    buttons: FIX_CHECK_BUTTONS.map((b) => ({ text: b.text, key: b.key, style: b.style })),
    source: '睦邻小助手',
  };
}
