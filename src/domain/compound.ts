import { z } from 'zod';
import { CATEGORY_CODES, DEFAULT_TIER, TIERS, type CategoryCode, type Tier } from './taxonomy-codes';

export type GroupKind = 'internal' | 'customer';

/** A unit the bot can hand a ticket to: property company, enforcement station, street office. */
export interface ContactUnit {
  name: string;
  /** WeCom userids */
  contacts: string[];
}

export interface BuildingLeader {
  building: string;
  userId: string;
}

export interface Compound {
  /** Stable short id ("YX0315"), used in ticket numbers. */
  code: string;
  name: string;
  /** 街道 */
  street: string;
  /** 镇 */
  town: string | null;
  /** 社区 */
  community: string | null;
  groupKind: GroupKind;
  /** AI-bot chatid of the residents' group (internal groups). */
  chatId: string | null;
  /** chatid of the branch staff group, where secretaries may @ the bot. */
  staffChatId: string | null;
  /** key of the residents' group push webhook (群机器人); internal groups only. */
  pushWebhookKey: string | null;
  /** key of the branch staff group's push webhook: critical tickets are posted there at once. */
  staffWebhookKey: string | null;
  /** userid of the group owner; customer-group posts wait for their confirmation. */
  groupOwner: string | null;
  /** userid of the branch secretary */
  secretary: string;
  committee: string[];
  buildingLeaders: BuildingLeader[];
  property: ContactUnit | null;
  enforcement: ContactUnit | null;
  streetOffice: ContactUnit | null;
  routingOverrides: Partial<Record<CategoryCode, Tier>>;
  active: boolean;
}

export const COMPOUND_CODE = /^[A-Za-z0-9_-]{1,32}$/;
export const WECOM_USERID = /^[A-Za-z0-9_.@-]{1,64}$/;
const CHAT_ID = /^[\x21-\x7e]{1,128}$/;
const WEBHOOK_KEY = /^[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}$/;

/** "３号楼 " -> "3号楼": trimmed, full-width digits to ASCII, otherwise as written. */
export function normalizeBuilding(building: string): string {
  return building.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
}

const blank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

const text = () =>
  z
    .string({ error: (iss) => (iss.input === undefined || iss.input === null ? 'is required' : 'must be text') })
    .trim()
    .min(1, 'is required');

const matching = (re: RegExp, what: string) => text().regex(re, `must be ${what}`);

const userId = () => matching(WECOM_USERID, 'a WeCom userid (letters, digits, _ . @ -; at most 64)');

/** Missing or blank becomes null. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (blank(v) ? null : v), schema.nullable());

const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (blank(v) ? [] : v), z.array(item, { error: 'must be a list' }));

const contactUnit = () =>
  optional(
    z.strictObject(
      { name: text(), contacts: list(userId()).refine((a) => a.length > 0, 'needs at least one contact userid') },
      { error: 'must have a name and contacts' },
    ),
  );

// Operators often paste the whole webhook URL; keep only its key.
const webhookKey = () =>
  optional(
    z.preprocess(
      (v) => (typeof v === 'string' ? (/[?&]key=([^&\s]+)/.exec(v)?.[1] ?? v) : v),
      matching(WEBHOOK_KEY, 'a push-webhook key like 693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa'),
    ),
  );

const TIER_FOR_UNIT = { property: 'property', enforcement: 'enforcement', streetOffice: 'street' } as const;

export const compoundSchema = z
  .strictObject({
    code: matching(COMPOUND_CODE, 'a short id of letters, digits, _ or - (at most 32)'),
    name: text(),
    street: text(),
    town: optional(text()),
    community: optional(text()),
    groupKind: z.enum(['internal', 'customer'], { error: "must be 'internal' or 'customer'" }),
    chatId: optional(matching(CHAT_ID, 'a chat id without spaces')),
    staffChatId: optional(matching(CHAT_ID, 'a chat id without spaces')),
    pushWebhookKey: webhookKey(),
    staffWebhookKey: webhookKey(),
    groupOwner: optional(userId()),
    secretary: userId(),
    committee: list(userId()),
    buildingLeaders: list(z.strictObject({ building: text().transform(normalizeBuilding), userId: userId() })),
    property: contactUnit(),
    enforcement: contactUnit(),
    streetOffice: contactUnit(),
    routingOverrides: z.preprocess(
      (v) => (blank(v) ? {} : v),
      z.partialRecord(
        z.enum(CATEGORY_CODES, { error: 'is not a category code' }),
        z.enum(TIERS, { error: `must be one of ${TIERS.join(', ')}` }),
      ),
    ),
    active: z.preprocess((v) => (blank(v) ? true : v), z.boolean({ error: 'must be true or false' })),
  })
  // Runs even when fields failed, so an operator sees every problem at once; the
  // value may then be partly malformed, hence the defensive checks.
  .superRefine(crossFieldRules, { when: (p) => typeof p.value === 'object' && p.value !== null });

function crossFieldRules(c: Compound, ctx: z.RefinementCtx<Compound>): void {
  const problem = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (c.groupKind === 'internal' && !c.chatId) problem(['chatId'], "is required for internal groups (the AI bot's chat id)");
  if (c.groupKind === 'customer' && !c.groupOwner) problem(['groupOwner'], 'is required for customer groups (the staff member who confirms group posts)');
  // A push webhook (群机器人) cannot be added to a customer group.
  if (c.groupKind === 'customer' && c.pushWebhookKey) problem(['pushWebhookKey'], 'must be empty for customer groups');
  if (c.chatId && c.chatId === c.staffChatId) problem(['staffChatId'], 'must differ from chatId');
  const overrides = typeof c.routingOverrides === 'object' && c.routingOverrides !== null ? c.routingOverrides : {};
  for (const [category, tier] of Object.entries(overrides)) {
    if (!(category in DEFAULT_TIER)) continue;
    const path = ['routingOverrides', category];
    if (DEFAULT_TIER[category as CategoryCode] === 'none') problem(path, 'this category is not routed, it cannot be overridden');
    else if (tier === 'none') problem(path, 'cannot route a problem to none');
    for (const [unit, unitTier] of Object.entries(TIER_FOR_UNIT)) {
      if (tier === unitTier && !c[unit as keyof typeof TIER_FOR_UNIT]) problem(path, `routes to ${unitTier} but ${unit} is not set`);
    }
  }
}

// Compile-time guard: the schema produces exactly a Compound.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaIsCompound: Same<z.output<typeof compoundSchema>, Compound> = true;
