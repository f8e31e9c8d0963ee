import type { Compound } from './compound';
import { compareBuildings, type Ticket } from './ticket';
import type { TicketActionType } from './ticket-transitions';

export type StaffRole = 'secretary' | 'committee' | 'building_leader' | 'property' | 'enforcement' | 'street';

/** Every role a WeCom user holds in one compound (a street-office contact may serve many). */
export function rolesIn(userId: string, compound: Compound): StaffRole[] {
  const roles: StaffRole[] = [];
  if (compound.secretary === userId) roles.push('secretary');
  if (compound.committee.includes(userId)) roles.push('committee');
  if (compound.buildingLeaders.some((l) => l.userId === userId)) roles.push('building_leader');
  if (compound.property?.contacts.includes(userId)) roles.push('property');
  if (compound.enforcement?.contacts.includes(userId)) roles.push('enforcement');
  if (compound.streetOffice?.contacts.includes(userId)) roles.push('street');
  return roles;
}

const BRANCH_ACTIONS: ReadonlySet<TicketActionType> = new Set(['accept', 'progress', 'resolve', 'close', 'transfer', 'escalate', 'report_in', 'reject', 'snooze', 'reopen', 'mark_duplicate']);
// The unit holding a ticket works it, hands it on or blows the whistle; bouncing it
// ("不属实") or reopening stays with the branch, which answers to the residents.
const ASSIGNEE_ACTIONS: ReadonlySet<TicketActionType> = new Set(['accept', 'progress', 'resolve', 'transfer', 'escalate', 'report_in']);
const LEADER_ACTIONS: ReadonlySet<TicketActionType> = new Set(['progress']);

export type Authorization = { ok: true; role: StaffRole } | { ok: false; why: 'not_staff' | 'not_on_ticket' | 'action_not_allowed' };

/**
 * May this user take this action on this ticket? Decided by the WeCom user id and
 * the roles the compound record gives it, never by anything said in a message.
 */
export function authorize(userId: string, compound: Compound, ticket: Pick<Ticket, 'compoundCode' | 'assignees' | 'building'>, action: TicketActionType): Authorization {
  if (ticket.compoundCode !== compound.code) return { ok: false, why: 'not_on_ticket' };
  const roles = rolesIn(userId, compound);
  if (roles.length === 0) return { ok: false, why: 'not_staff' };
  const branch = roles.find((r) => r === 'secretary' || r === 'committee');
  if (branch) return BRANCH_ACTIONS.has(action) ? { ok: true, role: branch } : { ok: false, why: 'action_not_allowed' };
  if (ticket.assignees.includes(userId)) {
    const role = roles.find((r) => r !== 'building_leader') ?? roles[0] ?? 'building_leader';
    return ASSIGNEE_ACTIONS.has(action) ? { ok: true, role } : { ok: false, why: 'action_not_allowed' };
  }
  const leads = compound.buildingLeaders.some((l) => l.userId === userId && compareBuildings(l.building, ticket.building) === 'same');
  if (leads) return LEADER_ACTIONS.has(action) ? { ok: true, role: 'building_leader' } : { ok: false, why: 'action_not_allowed' };
  return { ok: false, why: 'not_on_ticket' };
}
