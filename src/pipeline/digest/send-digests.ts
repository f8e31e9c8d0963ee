import { createHash } from 'node:crypto';
import type { Logger } from '../../log';
import type { Compound } from '../../domain/compound';
import { monthPeriod } from '../../domain/digest-periods';
import type { Period } from '../../domain/digest-figures';
import { addShanghaiDays, shanghaiDate, toShanghaiParts } from '../../domain/shanghai-time';
import type { CompoundRepo } from '../../store/compound-repo';
import { collectFigures, type CollectDeps } from './collect';
import { monthlyMarkdown, weeklyBranchMarkdown } from './render-digest';

/** Sends a markdown digest 1:1 to some people; keyed so a retried job never sends twice. */
export interface DigestSender {
  send(key: string, userIds: readonly string[], markdown: string): Promise<void>;
}

export interface DigestDeps extends CollectDeps {
  compounds: Pick<CompoundRepo, 'byCode' | 'list'>;
  sender: DigestSender;
  /** Service-day sign-ups of some compounds in a month (YYYY-MM); null when unknown. */
  signups?: (month: string, codes: readonly string[]) => Promise<number | null>;
  now: () => Date;
  log: Logger;
}

export function weekFromKey(key: string): Period & { text: string } {
  const [y, m, d] = key.split('-').map(Number) as [number, number, number];
  const from = shanghaiDate(y, m, d);
  const to = addShanghaiDays(from, 7);
  const last = toShanghaiParts(addShanghaiDays(from, 6));
  return { from, to, text: `${m}月${d}日–${last.month}月${last.day}日` };
}

export const streetKey = (street: string) => createHash('sha256').update(street).digest('hex').slice(0, 12);

const branchPeople = (c: Compound) => [...new Set([c.secretary, ...c.committee])];

export async function sendWeeklyBranch(deps: DigestDeps, code: string, weekKey: string, key: string): Promise<'sent' | 'skipped'> {
  const compound = await deps.compounds.byCode(code);
  if (!compound?.active) return 'skipped';
  const week = weekFromKey(weekKey);
  const figures = await collectFigures(deps, [code], week, deps.now());
  await deps.sender.send(key, branchPeople(compound), weeklyBranchMarkdown(compound.name, week.text, figures));
  return 'sent';
}

export async function sendMonthlyBranch(deps: DigestDeps, code: string, month: string, key: string): Promise<'sent' | 'skipped'> {
  const compound = await deps.compounds.byCode(code);
  if (!compound?.active) return 'skipped';
  const period = monthPeriod(month);
  const figures = await collectFigures(deps, [code], period, deps.now());
  const signups = deps.signups ? await deps.signups(month, [code]) : null;
  await deps.sender.send(key, branchPeople(compound), monthlyMarkdown(compound.name, period.text, figures, { signups }));
  return 'sent';
}

export async function sendMonthlyStreet(deps: DigestDeps, street: string, month: string, key: string): Promise<'sent' | 'skipped'> {
  const compounds = await deps.compounds.list({ street, active: true });
  const people = [...new Set(compounds.flatMap((c) => c.streetOffice?.contacts ?? []))];
  if (compounds.length === 0 || people.length === 0) {
    deps.log.warn({ street, compounds: compounds.length }, 'monthly street report not sent: no compounds or no street-office contacts');
    return 'skipped';
  }
  const period = monthPeriod(month);
  const codes = compounds.map((c) => c.code);
  const figures = await collectFigures(deps, codes, period, deps.now());
  const perCompound = await Promise.all(compounds.map(async (c) => ({ name: c.name, raised: (await collectFigures(deps, [c.code], period, deps.now())).raised })));
  const topCompounds = perCompound.filter((c) => c.raised > 0).sort((a, b) => b.raised - a.raised).slice(0, 5);
  const signups = deps.signups ? await deps.signups(month, codes) : null;
  await deps.sender.send(key, people, monthlyMarkdown(`${street}（${compounds.length} 个小区）`, period.text, figures, { signups, topCompounds }));
  return 'sent';
}
