import type { Compound } from '../../domain/compound';
import { missingParts, type ActivityDraft, type MoveMonth } from '../../domain/service-day-grammar';
import { serviceDayIds } from '../../domain/service-day-ids';
import { nextMonth, parseMonthKey, planServiceDay, type MonthKey } from '../../domain/service-day-plan';
import { PLAN_EXAMPLE, dayLabel, movedText, registeredText } from '../../domain/service-day-text';
import { parseDayKey, shanghaiDate, shanghaiDayKey } from '../../domain/shanghai-time';
import type { InboundMessage } from '../../domain/inbound-message';
import type { NewActivity } from '../../store/service-day-plan-repo';
import type { InboundContext, PipelineResult } from '../handle-inbound';
import type { ServiceDayStores } from './deps';
import { currentMonth, monthNamed, monthOfNamedDay, upcomingMonth } from './months';
import { moveServiceDay } from './move-day';
import type { PlanReader } from './read-plan';

export interface RegisterDeps extends Pick<ServiceDayStores, 'plans' | 'runs'> {
  read: PlanReader;
}

// Announcements must stay one webhook message (4096 bytes): fields are clipped at registration.
const MAX_TITLE = 30;
const MAX_PLACE = 30;
const MAX_BRING = 20;

const ASK: Record<'time' | 'place' | 'title', string> = {
  time: `请补充活动的开始时间，比如${PLAN_EXAMPLE}。`,
  place: `活动在哪里举行？请把时间、地点、活动一起发一遍，比如${PLAN_EXAMPLE}。`,
  title: `是什么活动？请把时间、地点、活动一起发一遍，比如${PLAN_EXAMPLE}。`,
};

const clip = (s: string, n: number) => Array.from(s.trim()).slice(0, n).join('');

/** Registers the activities of a secretary's message, or asks for what is missing. Nothing is stored half. */
export async function registerActivities(deps: RegisterDeps, msg: InboundMessage, ctx: InboundContext, compound: Compound, text: string): Promise<PipelineResult> {
  const now = ctx.now();
  const upcoming = await upcomingMonth(deps.plans, compound.code, now);
  const hintDay = planServiceDay(upcoming, await deps.plans.get(compound.code, upcoming));
  const read = await deps.read(text, now, { compoundName: compound.name, serviceDay: hintDay });
  ctx.log.info({ compound: compound.code, readBy: read.readBy, fallback: read.fallbackReason, activities: read.drafts.length }, 'service plan read');
  const incomplete = read.drafts.find((d) => missingParts(d).length > 0);
  if (read.drafts.length === 0 || incomplete) {
    const missing = incomplete ? missingParts(incomplete)[0] : 'title';
    return { reply: ASK[missing ?? 'title'], handledBy: 'service_day.ask' };
  }

  const resolved: Array<{ month: MonthKey; activity: NewActivity }> = [];
  for (const [i, d] of read.drafts.entries()) {
    const month = d.month !== null ? monthNamed(d.month, now) : d.day !== null ? monthOfNamedDay(d.day, now) : upcoming;
    const day = planServiceDay(month, await deps.plans.get(compound.code, month));
    const { year, month: m, day: dd } = parseDayKey(day);
    if (d.day !== null && d.day !== dd) {
      return { reply: `${m}月的服务日是${dayLabel(day)}，这条写的是${d.day}号。如要改期，请先发“本月服务日改到${d.day}号”。`, handledBy: 'service_day.ask_move' };
    }
    const startsAt = shanghaiDate(year, m, dd, d.hour ?? 0, d.minute);
    if (startsAt <= now) return { reply: '这个时间已经过去了，请核对日期和时间。', handledBy: 'service_day.ask' };
    resolved.push({ month, activity: toNewActivity(d, startsAt, `${msg.id}#${i}`, read.readBy, msg.senderId, now) });
  }
  const added = [];
  for (const r of resolved) added.push(...(await deps.plans.addActivities(compound.code, r.month, [r.activity])));
  ctx.log.info({ compound: compound.code, added: added.length }, 'service-day activities registered');
  return { reply: registeredText(added), handledBy: 'service_day.registered' };
}

function toNewActivity(d: ActivityDraft, startsAt: Date, sourceKey: string, readBy: string, by: string, at: Date): NewActivity {
  return {
    sourceKey,
    title: clip(d.title ?? '', MAX_TITLE),
    place: clip(d.place ?? '', MAX_PLACE),
    bring: d.bring ? clip(d.bring, MAX_BRING) : null,
    capacity: d.capacity,
    startsAt,
    source: 'chat',
    readBy,
    addedBy: by,
    addedAt: at,
  };
}

/** "本月服务日改到8号". */
export async function moveDay(deps: RegisterDeps, msg: InboundMessage, ctx: InboundContext, compound: Compound, move: { day: number; month: MoveMonth }): Promise<PipelineResult> {
  const now = ctx.now();
  const month =
    move.month === 'this'
      ? currentMonth(now)
      : move.month === 'next'
        ? nextMonth(currentMonth(now))
        : move.month !== null
          ? monthNamed(move.month, now)
          : await upcomingMonth(deps.plans, compound.code, now);
  const { month: m } = parseMonthKey(month);
  const day = `${month}-${String(move.day).padStart(2, '0')}`;
  try {
    parseDayKey(day);
  } catch {
    return { reply: `${m}月没有${move.day}号，请核对日期。`, handledBy: 'service_day.ask' };
  }
  if (day < shanghaiDayKey(now)) return { reply: '不能改到已经过去的日子，请核对日期。', handledBy: 'service_day.ask' };
  const runs = await Promise.all((['eve', 'day'] as const).map((step) => deps.runs.get(serviceDayIds.announce(compound.code, month, step))));
  const announced = runs.some((r) => r !== null && r.outcome !== 'skipped');
  const moved = await moveServiceDay(deps.plans, compound.code, month, day, msg.senderId, now);
  ctx.log.info({ compound: compound.code, month, from: moved.from, to: moved.to }, 'service day moved');
  return { reply: movedText(moved.to, announced && moved.from !== moved.to), handledBy: 'service_day.moved' };
}
