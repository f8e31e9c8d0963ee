import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCompoundFile } from '../../src/compounds/import-file';
import type { Compound } from '../../src/domain/compound';
import { CATEGORY_CODES, DEFAULT_TIER, NON_ACTIONABLE_CATEGORIES, type Category } from '../../src/domain/labels';
import { nextRung, route, unitForTier, UnroutableCategoryError } from '../../src/domain/routing';
import { WHISTLE_LADDER } from '../../src/domain/ticket-transitions';

const sample = parseCompoundFile(readFileSync(join(__dirname, '..', '..', 'config', 'compounds.sample.yaml'), 'utf8'), 'yaml');
const byCode = (code: string): Compound => {
  const c = sample.rows.find((r) => r.compound.code === code)?.compound;
  if (!c) throw new Error(`no sample compound ${code}`);
  return c;
};
const YX0315 = byCode('YX0315');
const YX0316 = byCode('YX0316');
const YX0317 = byCode('YX0317');

describe('route with the taxonomy defaults (YX0315 has every unit)', () => {
  it.each([
    ['noise', 'branch', ['zhang.shuji'], '优湖美地党支部'],
    ['neighbor_dispute', 'branch', ['zhang.shuji'], '优湖美地党支部'],
    ['garbage', 'property', ['zhou.wuye', 'wu.wuye'], '优湖物业服务中心'],
    ['facility_repair', 'property', ['zhou.wuye', 'wu.wuye'], '优湖物业服务中心'],
    ['illegal_parking', 'enforcement', ['zheng.zhifa'], '宜城街道联合执法站'],
    ['green_occupation', 'enforcement', ['zheng.zhifa'], '宜城街道联合执法站'],
    ['fire_hazard', 'street', ['feng.jiedao'], '宜城街道办事处'],
    ['space_encroachment', 'street', ['feng.jiedao'], '宜城街道办事处'],
  ] as const)('%s -> %s', (category, tier, assignees, unitName) => {
    expect(route({ category, tier: 'none' }, YX0315)).toEqual({ tier, assignees, unitName, watchers: tier === 'branch' ? [] : ['zhang.shuji'], fallback: null, basis: 'default', modelTier: 'none' });
  });

  it('routes every actionable category to its default tier when the compound has the unit', () => {
    for (const category of CATEGORY_CODES.filter((c) => !NON_ACTIONABLE_CATEGORIES.includes(c))) {
      expect(route({ category }, YX0315).tier).toBe(DEFAULT_TIER[category]);
    }
  });

  it("ignores the model's tier: the taxonomy is the contract", () => {
    const r = route({ category: 'illegal_parking', tier: 'branch' }, YX0315);
    expect(r).toMatchObject({ tier: 'enforcement', modelTier: 'branch', basis: 'default' });
  });

  it("adds the building's leader as a watcher, whatever the unit word", () => {
    expect(route({ category: 'noise', building: '3栋' }, YX0315).watchers).toEqual(['zhao.loudong']);
    expect(route({ category: 'facility_repair', building: '3号楼2单元' }, YX0315).watchers).toEqual(['zhang.shuji', 'zhao.loudong']);
    expect(route({ category: 'facility_repair', building: '12幢' }, YX0315).watchers).toEqual(['zhang.shuji', 'sun.loudong']);
    expect(route({ category: 'facility_repair', building: '12幢1单元' }, YX0315).watchers).toEqual(['zhang.shuji']);
    expect(route({ category: 'noise', building: '9栋' }, YX0315).watchers).toEqual([]);
    expect(route({ category: 'noise', building: null }, YX0315).watchers).toEqual([]);
  });

  it('refuses categories that never open a ticket', () => {
    for (const category of NON_ACTIONABLE_CATEGORIES) expect(() => route({ category }, YX0315)).toThrow(UnroutableCategoryError);
  });
});

describe('route with overrides from the compound data (YX0316: no property company)', () => {
  it.each(['garbage', 'facility_repair', 'property_service'] as const)('%s goes to the branch by override', (category) => {
    expect(route({ category, tier: 'property', building: '7号楼' }, YX0316)).toEqual({
      tier: 'branch',
      assignees: ['liu.shuji'],
      watchers: ['shi.loudong'],
      unitName: '南郊花园党支部',
      fallback: null,
      basis: 'override',
      modelTier: 'property',
    });
  });

  it('keeps the defaults for categories it does not override', () => {
    expect(route({ category: 'illegal_parking' }, YX0316)).toMatchObject({ tier: 'enforcement', assignees: ['tang.zhifa'], basis: 'default' });
    expect(route({ category: 'fire_hazard' }, YX0316)).toMatchObject({ tier: 'street', assignees: ['han.jiedao'], watchers: ['liu.shuji'] });
  });

  it('reads overrides as data: a new override needs no code', () => {
    const c: Compound = { ...YX0315, routingOverrides: { noise: 'enforcement' } };
    expect(route({ category: 'noise' }, c)).toMatchObject({ tier: 'enforcement', assignees: ['zheng.zhifa'], basis: 'override' });
  });
});

describe('fallbacks', () => {
  it('sends a property matter to the secretary when the compound has no property company and no override', () => {
    const c: Compound = { ...YX0316, routingOverrides: {} };
    const r = route({ category: 'facility_repair', building: '1号楼' }, c);
    expect(r).toMatchObject({ tier: 'branch', assignees: ['liu.shuji'], watchers: ['lv.loudong'], unitName: '南郊花园党支部', basis: 'default' });
    expect(r.fallback).toMatch(/YX0316 has no property unit/);
  });

  it('falls back for a missing enforcement station or street office', () => {
    const c: Compound = { ...YX0317, enforcement: null, streetOffice: null };
    expect(route({ category: 'illegal_construction' }, c)).toMatchObject({ tier: 'branch', assignees: ['yang.shuji'], fallback: expect.stringMatching(/no enforcement/) });
    expect(route({ category: 'fire_hazard' }, c)).toMatchObject({ tier: 'branch', assignees: ['yang.shuji'], fallback: expect.stringMatching(/no streetOffice/) });
  });

  it('ignores an override to none (stored before validation existed) and says so', () => {
    const c = { ...YX0315, routingOverrides: { garbage: 'none' } } as Compound;
    const r = route({ category: 'garbage' }, c);
    expect(r).toMatchObject({ tier: 'property', basis: 'default' });
    expect(r.fallback).toMatch(/override of garbage to none ignored/);
  });
});

describe('emergencies', () => {
  it('go to the street office and the secretary at once', () => {
    expect(route({ category: 'emergency', tier: 'street', building: '3栋2单元' }, YX0315)).toEqual({
      tier: 'street',
      assignees: ['feng.jiedao', 'zhang.shuji'],
      watchers: ['zhao.loudong'],
      unitName: '宜城街道办事处',
      fallback: null,
      basis: 'default',
      modelTier: 'street',
    });
  });

  it('reach the secretary alone, with the reason, when no street office is configured', () => {
    const r = route({ category: 'emergency' }, { ...YX0315, streetOffice: null });
    expect(r).toMatchObject({ tier: 'branch', assignees: ['zhang.shuji'], fallback: expect.stringMatching(/no streetOffice/) });
  });
});

describe('the ladder', () => {
  it('climbs one rung at a time and stops at the street', () => {
    expect(nextRung('property')).toBe('branch');
    expect(nextRung('branch')).toBe('enforcement');
    expect(nextRung('enforcement')).toBe('street');
    expect(nextRung('street')).toBeNull();
  });

  it("jumps to the category's own tier when it is higher on the branch's ladder", () => {
    const cases: Array<[Category, string | null]> = [
      ['fire_hazard', 'street'],
      ['space_encroachment', 'street'],
      ['illegal_parking', 'enforcement'],
      ['noise', 'enforcement'],
    ];
    for (const [category, expected] of cases) expect(nextRung('branch', category)).toBe(expected);
    expect(nextRung('property', 'fire_hazard')).toBe('branch');
  });

  it('only proposes rungs the transitions accept', () => {
    for (const tier of ['property', 'branch', 'enforcement', 'street'] as const) {
      const up = nextRung(tier);
      if (up !== null) expect(WHISTLE_LADDER[tier]).toContain(up);
    }
  });

  it('gives the people of the next rung for an escalation', () => {
    expect(unitForTier('street', YX0316, '1号楼')).toEqual({ tier: 'street', assignees: ['han.jiedao'], watchers: ['liu.shuji', 'lv.loudong'], unitName: '新街街道办事处', fallback: null });
  });
});
