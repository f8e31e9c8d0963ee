import { maskPii } from '../../domain/pii';
import { formatShanghaiShort } from '../../domain/shanghai-time';
import type { TicketChangeNotifier } from '../../pipeline/staff/change-notifier';
import type { GroupPoster } from '../../pipeline/triage/group-poster';
import type { WeComOutbound } from './outbound';
import type { WeComStaffNotifier } from './staff-notifier';

type Change = Parameters<TicketChangeNotifier['changed']>[0];

/**
 * Who hears about a change: the residents' group gets a short public line at the
 * moments that matter (accepted, handed on, resolved), reporters a 1:1 note, and a
 * unit that now owns the ticket its prompt. Every send is keyed by the ticket
 * version, so a retried job never repeats one.
 */
export class WeComTicketChangeNotifier implements TicketChangeNotifier {
  constructor(
    private readonly deps: { outbound: WeComOutbound; group: GroupPoster; staff: WeComStaffNotifier },
  ) {}

  async changed({ after: t, event, compound }: Change): Promise<void> {
    const key = `chg-${t.id}-v${t.version}`;
    const note = event.note ? maskPii(event.note) : null;
    const reporters = [...new Set(t.reporters.map((r) => r.userId))].filter((u) => u !== event.actor.userId);
    switch (event.action) {
      case 'accept':
      case 'report_in':
        await this.deps.group.post(compound, `${key}-group`, `#${t.ref} 已受理，${t.unitName}正在处理。`);
        if (event.action === 'report_in') await this.toUsers(`${key}-watch`, t.watchers, `#${t.ref} ${t.unitName}已报到。`);
        return;
      case 'resolve':
        await this.deps.group.post(compound, `${key}-group`, `#${t.ref} 已处理：${note ?? '问题已解决'}。如还有问题，请@我说明。`);
        await this.toUsers(`${key}-reporters`, reporters, `您反映的问题（#${t.ref}）已处理：${note ?? '问题已解决'}。如果还没解决，请回复或在群里@我。`);
        await this.toUsers(`${key}-watch`, t.watchers.filter((w) => w !== event.actor.userId), `#${t.ref} 已由${t.unitName}结单：${note ?? ''}`);
        return;
      case 'transfer':
        await this.deps.group.post(compound, `${key}-group`, `#${t.ref} 已转交${t.unitName}处理。`);
        await this.deps.staff.prompt(t, '转交工单', `【转交工单】#${t.ref} ${t.summary}\n已转由${t.unitName}处理${note ? `，说明：${note}` : ''}。回复“#${t.number} 受理”即可接单。`, key);
        return;
      case 'escalate': {
        await this.deps.group.post(compound, `${key}-group`, `#${t.ref} 已上报${t.unitName}协调处理。`);
        const by = t.reportInDueAt ? `请在 ${formatShanghaiShort(t.reportInDueAt)} 前` : '请尽快';
        await this.deps.staff.prompt(t, '吹哨工单', `【吹哨报到】#${t.ref} ${t.summary}\n${by}回复“#${t.number} 报到”接单${note ? `。说明：${note}` : '。'}`, key);
        return;
      }
      case 'reject':
        await this.toUsers(`${key}-reporters`, reporters, `您反映的问题（#${t.ref}）经核实：${note ?? '不予受理'}。如有疑问，请联系小区党支部。`);
        return;
      case 'reopen':
        await this.deps.staff.prompt(t, '重新打开', `【重新打开】#${t.ref} ${t.summary}${note ? `\n原因：${note}` : ''}`, key);
        return;
      default:
        return;
    }
  }

  private async toUsers(key: string, users: readonly string[], text: string): Promise<void> {
    if (users.length === 0) return;
    await this.deps.outbound.sendToUsers(key, users, text);
  }
}

