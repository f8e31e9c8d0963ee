import type { Compound } from '../../domain/compound';
import type { ServiceDayTiming } from '../../domain/service-day-due';
import { readPlanMessage } from '../../domain/service-day-grammar';
import { rolesIn } from '../../domain/staff-auth';
import type { InboundMessage } from '../../domain/inbound-message';
import type { InboundContext } from '../handle-inbound';
import type { Interceptor } from '../inbound-router';
import type { ServiceDayStores } from './deps';
import type { PlanReader } from './read-plan';
import { moveDay, registerActivities } from './register-plan';
import { ownerSent, storeSummary, undoLast } from './staff-replies';

export interface StaffPlanDeps extends ServiceDayStores {
  read: PlanReader;
  timing: ServiceDayTiming;
}

export const ONLY_BRANCH = '只有小区党支部书记或支委可以登记服务日安排。';

/**
 * Staff chats and 1:1 messages about the service-day plan: activities, a moved day, the
 * summary, "取消" right after registering, and a group owner's "已群发". Everything else
 * (ticket replies above all) returns null and goes on to the staff loop.
 */
export function createStaffPlanInterceptor(deps: StaffPlanDeps): Interceptor {
  return async (msg, ctx) => {
    if (msg.kind !== 'text' || (ctx.chatRole !== 'staff' && ctx.chatRole !== 'direct')) return null;
    const reading = readPlanMessage(msg.text);
    if (reading.kind === 'none') return null;
    if (reading.kind === 'owner_sent') return ownerSent(deps, msg, ctx);
    if (reading.kind === 'cancel') return undoLast(deps, msg, ctx);

    const { branches, staff } = await branchesOf(deps, msg, ctx);
    if (branches.length === 0) {
      if (reading.kind === 'summary' || !staff) return null;
      ctx.log.warn({ sender: msg.senderId, kind: reading.kind }, 'service-day plan from someone who is not on the branch');
      return { reply: ONLY_BRANCH, handledBy: 'service_day.refused' };
    }
    if (reading.kind === 'summary') return storeSummary(deps, msg, ctx, branches, reading.text);
    const picked = pick(branches, msg.text);
    if (!picked) {
      const names = branches.map((c) => c.name).join('、');
      return { reply: `您负责多个小区（${names}），请在消息前写上小区名，比如“${branches[0]?.name ?? ''} 7号上午9点 南门广场 义诊”。`, handledBy: 'service_day.which_compound' };
    }
    if (reading.kind === 'move') return moveDay(deps, msg, ctx, picked.compound, reading);
    return registerActivities(deps, msg, ctx, picked.compound, picked.text);
  };
}

/** Compounds where the sender is secretary or committee member; `staff`: whether they hold any role here at all. */
async function branchesOf(deps: StaffPlanDeps, msg: InboundMessage, ctx: InboundContext): Promise<{ branches: Compound[]; staff: boolean }> {
  const isBranch = (c: Compound) => rolesIn(msg.senderId, c).some((r) => r === 'secretary' || r === 'committee');
  if (ctx.chatRole === 'staff') {
    // Anyone writing in a branch's staff chat gets an answer, even without a role.
    return ctx.compound ? { branches: isBranch(ctx.compound) ? [ctx.compound] : [], staff: true } : { branches: [], staff: false };
  }
  const all = await deps.compounds.forStaff(msg.senderId);
  return { branches: all.filter((c) => c.active && isBranch(c)), staff: all.length > 0 };
}

/** The compound the message is about, and the text without its name. */
function pick(branches: Compound[], text: string): { compound: Compound; text: string } | null {
  const named = branches.filter((c) => text.includes(c.name) || text.includes(c.code));
  const compound = named.length === 1 ? named[0] : branches.length === 1 ? branches[0] : undefined;
  if (!compound) return null;
  return { compound, text: text.replace(compound.name, ' ').replace(compound.code, ' ') };
}
