import type { DigestFigures } from '../../domain/digest-figures';
import { CATEGORY_NAME_ZH, type Category } from '../../domain/labels';
import { categoryLabel } from '../triage/answers';

const TIER_ZH: Record<string, string> = { branch: '党支部', property: '物业', enforcement: '执法站', street: '街道' };

const pct = (n: number, d: number) => (d === 0 ? '—' : `${Math.round((n / d) * 100)}%`);
const hours = (h: number | null) => (h === null ? '—' : h < 48 ? `${Math.round(h)} 小时` : `${(h / 24).toFixed(1)} 天`);

function counts(rec: Record<string, number>, name: (k: string) => string): string {
  const parts = Object.entries(rec)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${name(k)} ${n}`);
  return parts.length ? parts.join('、') : '无';
}

const categoryName = (k: string) => (k in CATEGORY_NAME_ZH ? categoryLabel(k as Category) : k);

/** The weekly note to a branch: what is open, what is late, where problems repeat. */
export function weeklyBranchMarkdown(name: string, periodText: string, f: DigestFigures): string {
  const lines = [
    `**睦邻周报｜${name}**`,
    `> ${periodText}`,
    `新反映 **${f.raised}** 件（${f.reports} 人次），已解决 **${f.resolved}** 件，其中小区内解决 ${f.solvedInCompound} 件`,
    `待办 ${f.openNow} 件${f.overdueNow ? `，<font color="warning">已超时 ${f.overdueNow} 件</font>` : ''}`,
  ];
  if (f.repeatsByBuilding.length) lines.push(`反映较多：${f.repeatsByBuilding.slice(0, 5).map((r) => `${r.building}（${r.reports} 人次）`).join('、')}`);
  lines.push('回复“列表”可查看待办工单。');
  return lines.join('\n');
}

/** The monthly report, for a branch or a street office. */
export function monthlyMarkdown(title: string, monthText: string, f: DigestFigures, extra: { signups: number | null; activeCompounds?: number; topCompounds?: Array<{ name: string; raised: number }> } = { signups: null }): string {
  const s = f.satisfaction;
  const lines = [
    `**睦邻月报｜${title}**`,
    `> ${monthText}`,
    `新反映 **${f.raised}** 件（${f.reports} 人次）· 已解决 **${f.resolved}** 件 · 小区内解决率 **${pct(f.solvedInCompound, f.resolved)}**`,
    `办结用时（中位数）：${hours(f.medianHoursToResolve)}`,
    `超时：待办超时 ${f.overdueNow} 件，逾期办结 ${f.resolvedLate} 件；吹哨 ${f.escalations} 次`,
    s ? `回访：${s.asked} 人，确认解决 ${s.fixed}，未解决 ${s.notFixed}，不清楚 ${s.unsure}（满意率 ${pct(s.fixed, s.fixed + s.notFixed)}）` : '回访：本月无',
    `按类别：${counts(f.byCategory, categoryName)}`,
    `按承办：${counts(f.byTier, (k) => TIER_ZH[k] ?? k)}`,
  ];
  if (extra.signups !== null) lines.push(`睦邻服务日：报名 ${extra.signups} 人次`);
  if (extra.topCompounds?.length) lines.push(`反映最多的小区：${extra.topCompounds.map((c) => `${c.name} ${c.raised}`).join('、')}`);
  return lines.join('\n');
}

export const CSV_HEADER = [
  'month',
  'street',
  'compound_code',
  'compound_name',
  'raised',
  'reports',
  'resolved',
  'solved_in_compound',
  'solved_in_compound_share',
  'median_hours_to_resolve',
  'open_now',
  'overdue_now',
  'resolved_late',
  'escalations',
  'fix_check_asked',
  'fix_check_fixed',
  'fix_check_not_fixed',
  'service_day_signups',
  'by_category',
] as const;

function csvCell(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(month: string, street: string, code: string, name: string, f: DigestFigures, signups: number | null): string {
  return [
    month,
    street,
    code,
    name,
    f.raised,
    f.reports,
    f.resolved,
    f.solvedInCompound,
    f.resolved ? (f.solvedInCompound / f.resolved).toFixed(3) : '',
    f.medianHoursToResolve === null ? '' : f.medianHoursToResolve.toFixed(1),
    f.openNow,
    f.overdueNow,
    f.resolvedLate,
    f.escalations,
    f.satisfaction?.asked ?? 0,
    f.satisfaction?.fixed ?? 0,
    f.satisfaction?.notFixed ?? 0,
    signups,
    Object.entries(f.byCategory)
      .map(([k, n]) => `${k}:${n}`)
      .join('|'),
  ]
    .map(csvCell)
    .join(',');
}
