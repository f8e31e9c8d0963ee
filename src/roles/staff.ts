import { WeComCardResponder } from '../channels/wecom/card-responder';
import { WeComTicketChangeNotifier } from '../channels/wecom/ticket-change-notifier';
import type { InboundHandler } from '../pipeline/handle-inbound';
import { createStaffHandler } from '../pipeline/staff/staff-handler';
import { grammarReader, type StaffReplyReader } from '../pipeline/staff/reply-reader';
import type { Services } from './services';
import type { Triage } from './triage';

export function buildStaff(services: Services, triage: Triage, read: StaffReplyReader = grammarReader): InboundHandler {
  return createStaffHandler({
    tickets: services.tickets,
    compounds: services.compounds,
    notifier: new WeComTicketChangeNotifier({ outbound: services.outbound, group: triage.group, staff: triage.notifier }),
    clock: triage.clock,
    cards: new WeComCardResponder(services.outbound),
    read,
    calendar: triage.calendar,
  });
}
