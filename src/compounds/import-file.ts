import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { compoundSchema, type Compound } from '../domain/compound';

export type CompoundFileFormat = 'yaml' | 'csv';

export interface ParsedCompoundRow {
  line: number;
  compound: Compound;
}

export interface CompoundRowError {
  line: number;
  code?: string;
  problems: string[];
}

export interface ParsedCompoundFile {
  rows: ParsedCompoundRow[];
  errors: CompoundRowError[];
}

/** One item of the file before validation: where it starts and what it says. */
interface RawItem {
  line: number;
  value: unknown;
  /** Problems found before validation (CSV list syntax). */
  problems: string[];
}

type Path = readonly PropertyKey[];

interface Reader {
  items: RawItem[];
  errors: CompoundRowError[];
  /** Names a field the way the operator wrote it in this format. */
  label: (path: Path) => string;
}

/**
 * Validates every item of a compound file. Good rows come back even when other
 * rows are bad; every problem of a bad row is listed against the line it starts on.
 */
export function parseCompoundFile(text: string, format: CompoundFileFormat): ParsedCompoundFile {
  const reader = format === 'yaml' ? readYaml(text) : readCsv(text);
  const rows: ParsedCompoundRow[] = [];
  const errors = [...reader.errors];
  const seenCodes = new Map<string, number>();
  const seenChats = new Map<string, number>();

  for (const item of reader.items) {
    const problems = [...item.problems];
    const result = compoundSchema.safeParse(item.value);
    if (!result.success) problems.push(...result.error.issues.map((i) => describe(i, reader.label)));

    const fields = isRecord(item.value) ? item.value : {};
    const code = trimmed(fields.code);
    if (code !== undefined) {
      const first = seenCodes.get(code);
      if (first !== undefined) problems.push(`${reader.label(['code'])}: duplicate of line ${first}`);
      else seenCodes.set(code, item.line);
    }
    for (const key of ['chatId', 'staffChatId'] as const) {
      const chat = trimmed(fields[key]);
      if (chat === undefined) continue;
      const first = seenChats.get(chat);
      if (first !== undefined && first !== item.line) problems.push(`${reader.label([key])}: already used on line ${first}`);
      else seenChats.set(chat, item.line);
    }

    if (problems.length > 0 || !result.success) errors.push({ line: item.line, ...(code !== undefined && { code }), problems });
    else rows.push({ line: item.line, compound: result.data });
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}

/** How a Compound field is named in a file of this format (chatId in YAML, chat_id in CSV). */
export function fieldLabel(format: CompoundFileFormat, path: Path): string {
  return format === 'yaml' ? yamlLabel(path) : csvLabel(path);
}

function describe(issue: z.core.$ZodIssue, label: (path: Path) => string): string {
  return issue.path.length > 0 ? `${label(issue.path)}: ${issue.message}` : issue.message;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const trimmed = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** List items are numbered from 1 for operators: committee.#2 is the second userid. */
const segment = (s: PropertyKey): string => (typeof s === 'number' ? `#${s + 1}` : String(s));

const yamlLabel = (path: Path): string => path.map(segment).join('.');

// ---- YAML: a top-level `compounds:` list of objects shaped like Compound ----

function readYaml(text: string): Reader {
  const lineCounter = new LineCounter();
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const reader: Reader = { items: [], errors: [], label: yamlLabel };
  // A syntax error can shift what belongs to which item, so nothing is loaded.
  if (doc.errors.length > 0) {
    reader.errors = doc.errors.map((e) => ({ line: lineAt(e.pos[0]), problems: [`YAML: ${e.message}`] }));
    return reader;
  }
  const root = doc.contents;
  const list = isMap(root) ? root.get('compounds', true) : undefined;
  if (!isMap(root) || !isSeq(list)) {
    reader.errors = [{ line: 1, problems: ["the file must have a top-level 'compounds:' list"] }];
    return reader;
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? pair.key : null;
    if (key?.value !== 'compounds') {
      reader.errors.push({ line: key?.range ? lineAt(key.range[0]) : 1, problems: [`unknown top-level key ${JSON.stringify(key?.value ?? null)}`] });
    }
  }
  for (const node of list.items) {
    let offset = isScalar(node) || isMap(node) || isSeq(node) ? (node.range?.[0] ?? 0) : 0;
    // An empty "- " item's range starts after its dash; point at the dash instead.
    if (isScalar(node) && node.value === null) offset = Math.max(0, text.lastIndexOf('-', offset));
    const value: unknown = isScalar(node) || isMap(node) || isSeq(node) ? node.toJS(doc) : null;
    reader.items.push({ line: lineAt(offset), value, problems: [] });
  }
  return reader;
}

// ---- CSV: one compound per row, lists separated by "|", pairs by ":" ----

const CSV_COLUMNS = [
  'code', 'name', 'street', 'town', 'community', 'group_kind', 'chat_id', 'staff_chat_id', 'push_webhook_key', 'staff_webhook_key',
  'group_owner', 'secretary', 'committee', 'building_leaders', 'property_name', 'property_contacts',
  'enforcement_name', 'enforcement_contacts', 'street_office_name', 'street_office_contacts', 'routing_overrides', 'active',
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
const REQUIRED_COLUMNS: readonly CsvColumn[] = ['code', 'name', 'street', 'group_kind', 'secretary'];
const CONTACT_UNITS = ['property', 'enforcement', 'streetOffice'];

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Compound path -> CSV column: ["property","contacts",1] -> "property_contacts.#2". */
function csvLabel(path: Path): string {
  const [head, ...rest] = path.map(segment);
  if (head === undefined) return '';
  if (CONTACT_UNITS.includes(head) && rest[0] !== undefined && !rest[0].startsWith('#')) {
    return [`${snake(head)}_${rest[0]}`, ...rest.slice(1)].join('.');
  }
  return [snake(head), ...rest].join('.');
}

function readCsv(text: string): Reader {
  const { records, errors } = parseCsv(text);
  const reader: Reader = { items: [], errors, label: csvLabel };
  const [header, ...rows] = records;
  if (!header) {
    reader.errors.push({ line: 1, problems: ['the file has no header row'] });
    return reader;
  }
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const headerProblems = [
    ...names.filter((n, i) => !(CSV_COLUMNS as readonly string[]).includes(n) && names.indexOf(n) === i).map((n) => `unknown column ${JSON.stringify(n)}`),
    ...names.filter((n, i) => names.indexOf(n) !== i).map((n) => `column ${JSON.stringify(n)} appears twice`),
    ...REQUIRED_COLUMNS.filter((c) => !names.includes(c)).map((c) => `missing column "${c}"`),
  ];
  // A wrong header would misread (and on update, wipe) fields of every row.
  if (headerProblems.length > 0) {
    reader.errors.push({ line: header.line, problems: headerProblems });
    return reader;
  }
  for (const row of rows) {
    if (row.fields.length !== names.length) {
      const code = trimmed(row.fields[names.indexOf('code')]);
      reader.errors.push({ line: row.line, ...(code !== undefined && { code }), problems: [`has ${row.fields.length} fields, the header has ${names.length}`] });
      continue;
    }
    const cells = new Map(names.map((n, i) => [n, row.fields[i]?.trim() || undefined]));
    reader.items.push({ line: row.line, ...csvRowToObject((c) => cells.get(c)) });
  }
  return reader;
}

function csvRowToObject(cell: (c: CsvColumn) => string | undefined): { value: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  const list = (c: CsvColumn) => cell(c)?.replace(/｜/g, '|').split('|').map((s) => s.trim()).filter((s) => s !== '');
  const pairs = (c: CsvColumn, shape: string): Array<[string, string]> | undefined =>
    list(c)?.flatMap((item, i): Array<[string, string]> => {
      const at = item.replace(/：/g, ':').lastIndexOf(':');
      if (at > 0 && at < item.length - 1) return [[item.slice(0, at).trim(), item.slice(at + 1).trim()]];
      problems.push(`${c}.#${i + 1}: must be ${shape}`);
      return [];
    });
  const unit = (prefix: 'property' | 'enforcement' | 'street_office') => {
    const name = cell(`${prefix}_name`);
    const contacts = list(`${prefix}_contacts`);
    return name === undefined && contacts === undefined ? undefined : { name, contacts };
  };
  const overrides = pairs('routing_overrides', 'category:tier');
  const categories = overrides?.map(([category]) => category) ?? [];
  for (const c of categories.filter((c, i) => categories.indexOf(c) !== i)) problems.push(`routing_overrides.${c}: given twice`);
  const active = cell('active')?.toLowerCase();
  let activeValue: boolean | string | undefined = active;
  if (active !== undefined && ['true', 'yes', 'y', '1'].includes(active)) activeValue = true;
  else if (active !== undefined && ['false', 'no', 'n', '0'].includes(active)) activeValue = false;

  const value = {
    code: cell('code'),
    name: cell('name'),
    street: cell('street'),
    town: cell('town'),
    community: cell('community'),
    groupKind: cell('group_kind'),
    chatId: cell('chat_id'),
    staffChatId: cell('staff_chat_id'),
    pushWebhookKey: cell('push_webhook_key'),
    staffWebhookKey: cell('staff_webhook_key'),
    groupOwner: cell('group_owner'),
    secretary: cell('secretary'),
    committee: list('committee'),
    buildingLeaders: pairs('building_leaders', 'building:userid')?.map(([building, userId]) => ({ building, userId })),
    property: unit('property'),
    enforcement: unit('enforcement'),
    streetOffice: unit('street_office'),
    routingOverrides: overrides && Object.fromEntries(overrides),
    active: activeValue,
  };
  return { value, problems };
}

// ---- RFC 4180 reader: quoted fields, "" escapes, line breaks inside quotes, BOM, CRLF ----

interface CsvRecord {
  /** Line the record starts on (1-based). */
  line: number;
  fields: string[];
}

export function parseCsv(text: string): { records: CsvRecord[]; errors: CompoundRowError[] } {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const errors: CompoundRowError[] = [];
  let i = 0;
  let line = 1;
  const breakAt = (j: number) => (s[j] === '\r' ? (s[j + 1] === '\n' ? 2 : 1) : s[j] === '\n' ? 1 : 0);
  const atFieldEnd = (j: number) => j >= s.length || s[j] === ',' || breakAt(j) > 0;

  while (i < s.length) {
    const start = line;
    const fields: string[] = [];
    let problem: string | null = null;
    for (;;) {
      let field = '';
      if (s[i] === '"') {
        let closed = false;
        for (i++; i < s.length; ) {
          if (s[i] === '"' && s[i + 1] === '"') [field, i] = [field + '"', i + 2];
          else if (s[i] === '"') [closed, i] = [true, i + 1];
          else if (breakAt(i) > 0) [field, line, i] = [field + '\n', line + 1, i + breakAt(i)];
          else [field, i] = [field + s[i], i + 1];
          if (closed) break;
        }
        if (!closed) problem = 'a quoted field is not closed (it runs to the end of the file)';
        else if (!atFieldEnd(i)) {
          problem ??= 'text after a closing quote (write "" for a quote inside a quoted field)';
          while (!atFieldEnd(i)) field += s[i++];
        }
      } else {
        while (!atFieldEnd(i)) field += s[i++];
      }
      fields.push(field);
      if (s[i] !== ',') break;
      i++;
    }
    const eol = breakAt(i);
    if (eol > 0) [i, line] = [i + eol, line + 1];
    if (problem) errors.push({ line: start, problems: [problem] });
    else if (fields.length > 1 || fields[0] !== '') records.push({ line: start, fields });
  }
  return { records, errors };
}
