import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCompoundFile, parseCsv } from '../../src/compounds/import-file';
import { compoundSchema, normalizeBuilding } from '../../src/domain/compound';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

const HEADER = 'code,name,street,group_kind,chat_id,group_owner,secretary,committee,building_leaders,property_name,property_contacts,routing_overrides';

describe('sample compound files', () => {
  const yaml = parseCompoundFile(read('config/compounds.sample.yaml'), 'yaml');
  const csv = parseCompoundFile(read('config/compounds.sample.csv'), 'csv');

  it('parse with zero errors, three compounds each', () => {
    expect(yaml.errors).toEqual([]);
    expect(csv.errors).toEqual([]);
    expect(yaml.rows.map((r) => r.compound.code)).toEqual(['YX0315', 'YX0316', 'YX0317']);
  });

  it('describe the same compounds in both formats', () => {
    expect(csv.rows.map((r) => r.compound)).toEqual(yaml.rows.map((r) => r.compound));
    expect(csv.rows.map((r) => r.line)).toEqual([2, 3, 4]);
  });

  it('cover both group kinds and a routing override', () => {
    const [yhmd, njhy, fny] = yaml.rows.map((r) => r.compound);
    expect(yhmd).toMatchObject({ name: '优湖美地', street: '宜城街道', groupKind: 'internal', town: null, active: true });
    expect(njhy).toMatchObject({ property: null, routingOverrides: { garbage: 'branch' } });
    expect(fny).toMatchObject({ groupKind: 'customer', chatId: null, groupOwner: 'cao.shequ', pushWebhookKey: null });
  });
});

describe('parseCompoundFile (yaml)', () => {
  const good = (code: string, chatId: string) => [
    `  - code: ${code}`,
    '    name: 东岳花园',
    '    street: 宜城街道',
    '    groupKind: internal',
    `    chatId: ${chatId}`,
    '    secretary: ma.shuji',
  ];

  it('reports each bad item at the line it starts on, with every problem, and keeps the good ones', () => {
    const text = [
      'compounds:', // 1
      ...good('YX0401', 'chat-a'), // 2-7
      '  - code: YX0402', // 8
      '    name: ""',
      '    street: 宜城街道',
      '    groupKind: private',
      '    secretary: ma shuji',
      '    committee: [ok.one, "bad one"]',
      '    routingOverrides: { garbage: property, chit_chat: branch, flood: street }',
      '    secretery: typo',
      ...good('YX0403', 'chat-c'), // 16-21
      '  -', // 22
    ].join('\n');
    const { rows, errors } = parseCompoundFile(text, 'yaml');
    expect(rows.map((r) => [r.line, r.compound.code])).toEqual([
      [2, 'YX0401'],
      [16, 'YX0403'],
    ]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toEqual({
      line: 8,
      code: 'YX0402',
      problems: expect.arrayContaining([
        'name: is required',
        "groupKind: must be 'internal' or 'customer'",
        expect.stringMatching(/^secretary: must be a WeCom userid/),
        expect.stringMatching(/^committee\.#2: must be a WeCom userid/),
        expect.stringMatching(/^routingOverrides: .*flood/),
        'routingOverrides.garbage: routes to property but property is not set',
        'routingOverrides.chit_chat: this category is not routed, it cannot be overridden',
        expect.stringMatching(/secretery/),
      ]),
    });
    expect(errors[0]?.problems).toHaveLength(8);
    expect(errors[1]).toEqual({ line: 22, problems: [expect.stringMatching(/expected object/)] });
  });

  it('rejects a later duplicate code or chat id, naming the first line', () => {
    const text = ['compounds:', ...good('YX0401', 'chat-a'), ...good('YX0401', 'chat-b'), ...good('YX0402', 'chat-a')].join('\n');
    const { rows, errors } = parseCompoundFile(text, 'yaml');
    expect(rows.map((r) => r.line)).toEqual([2]);
    expect(errors).toEqual([
      { line: 8, code: 'YX0401', problems: ['code: duplicate of line 2'] },
      { line: 14, code: 'YX0402', problems: ['chatId: already used on line 2'] },
    ]);
  });

  it('loads nothing from a file with a syntax error, and says where', () => {
    const text = ['compounds:', ...good('YX0401', 'chat-a'), '    committee: [a.b', '  - code: YX0402'].join('\n');
    const { rows, errors } = parseCompoundFile(text, 'yaml');
    expect(rows).toEqual([]);
    expect(errors[0]?.problems[0]).toMatch(/^YAML: /);
    expect(errors[0]?.line).toBeGreaterThanOrEqual(8);
  });

  it('needs a top-level compounds list', () => {
    expect(parseCompoundFile('- code: YX0401\n', 'yaml').errors).toEqual([{ line: 1, problems: ["the file must have a top-level 'compounds:' list"] }]);
    expect(parseCompoundFile('', 'yaml').errors).toHaveLength(1);
    const extra = parseCompoundFile(['version: 2', 'compounds:', ...good('YX0401', 'chat-a')].join('\n'), 'yaml');
    expect(extra.rows).toHaveLength(1);
    expect(extra.errors).toEqual([{ line: 1, problems: ['unknown top-level key "version"'] }]);
  });

  it('does not turn an unquoted numeric code into a number', () => {
    const text = ['compounds:', ...good('0315', 'chat-a')].join('\n');
    expect(parseCompoundFile(text, 'yaml').errors).toEqual([{ line: 2, problems: ['code: must be text'] }]);
  });
});

describe('parseCompoundFile (csv)', () => {
  it('reports a bad row after a quoted field spanning two lines at its real line', () => {
    const { rows, errors } = parseCompoundFile(read('test/fixtures/compounds.one-bad.csv'), 'csv');
    expect(rows.map((r) => [r.line, r.compound.code])).toEqual([
      [2, 'YX0401'],
      [5, 'YX0403'],
    ]);
    expect(rows[0]?.compound.buildingLeaders).toEqual([
      { building: '3栋', userId: 'kong.loudong' },
      { building: '5栋', userId: 'cao.loudong' },
    ]);
    expect(rows[0]?.compound.name).toBe('东岳花园, 一期');
    expect(rows[1]?.compound.name).toBe('城北"小区"');
    expect(errors).toEqual([
      {
        line: 4,
        code: 'YX0402',
        problems: expect.arrayContaining([
          'building_leaders.#1: must be building:userid',
          "group_kind: must be 'internal' or 'customer'",
          expect.stringMatching(/^secretary: /),
          expect.stringMatching(/^committee\.#2: /),
        ]),
      },
    ]);
    expect(errors[0]?.problems).toHaveLength(4);
  });

  it('names CSV columns in problems and checks group-kind rules', () => {
    const text = [
      HEADER,
      'YX1,甲,宜城街道,internal,,,s.ec,,,,a|b c,',
      'YX2,乙,宜城街道,customer,,,s.ec,,,物业,,garbage:branch|noise',
      'YX3,丙,宜城街道,internal,c3,,s.ec,,,,,garbage:property|garbage:branch',
    ].join('\r\n');
    const { rows, errors } = parseCompoundFile(text, 'csv');
    expect(rows).toEqual([]);
    expect(errors).toEqual([
      {
        line: 2,
        code: 'YX1',
        problems: expect.arrayContaining([
          'property_name: is required',
          expect.stringMatching(/^property_contacts\.#2: must be a WeCom userid/),
          expect.stringMatching(/^chat_id: is required for internal groups/),
        ]),
      },
      {
        line: 3,
        code: 'YX2',
        problems: expect.arrayContaining([
          'routing_overrides.#2: must be category:tier',
          'property_contacts: needs at least one contact userid',
          expect.stringMatching(/^group_owner: is required for customer groups/),
        ]),
      },
      { line: 4, code: 'YX3', problems: ['routing_overrides.garbage: given twice'] },
    ]);
  });

  it('reads lists, pairs, full-width separators, active flags and a pasted webhook URL', () => {
    const text = [
      'code,name,street,group_kind,chat_id,secretary,building_leaders,push_webhook_key,active',
      'YX1,甲,宜城街道,internal,c1,s.ec,"１２幢２单元：a.b｜ 3号楼 :c.d",https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa,no',
    ].join('\n');
    const { rows, errors } = parseCompoundFile(text, 'csv');
    expect(errors).toEqual([]);
    expect(rows[0]?.compound).toMatchObject({
      buildingLeaders: [
        { building: '12幢2单元', userId: 'a.b' },
        { building: '3号楼', userId: 'c.d' },
      ],
      pushWebhookKey: '693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa',
      active: false,
    });
  });

  it('rejects the whole file when the header is wrong, since every row would be misread', () => {
    const { rows, errors } = parseCompoundFile('code,name,street,group_kind,secretry,name\nYX1,甲,宜城街道,customer,s.ec,乙\n', 'csv');
    expect(rows).toEqual([]);
    expect(errors).toEqual([{ line: 1, problems: ['unknown column "secretry"', 'column "name" appears twice', 'missing column "secretary"'] }]);
  });

  it('reports a row with the wrong number of fields and keeps the others', () => {
    const text = ['code,name,street,group_kind,group_owner,secretary', 'YX1,甲,宜城街道,customer,o.wn,s.ec', 'YX2,乙,宜城街道,customer,o.wn', 'YX3,丙,宜城街道,customer,o.wn,s.ec'].join('\n');
    const { rows, errors } = parseCompoundFile(text, 'csv');
    expect(rows.map((r) => r.line)).toEqual([2, 4]);
    expect(errors).toEqual([{ line: 3, code: 'YX2', problems: ['has 5 fields, the header has 6'] }]);
  });

  it('rejects a later duplicate code', () => {
    const text = ['code,name,street,group_kind,group_owner,secretary', 'YX1,甲,宜城街道,customer,o.wn,s.ec', '', 'YX1,乙,宜城街道,customer,o.wn,s.ec'].join('\n');
    expect(parseCompoundFile(text, 'csv').errors).toEqual([{ line: 4, code: 'YX1', problems: ['code: duplicate of line 2'] }]);
  });
});

describe('parseCsv', () => {
  it('handles a BOM, CRLF, quotes, "" escapes, line breaks in quotes and blank lines', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""",\r\n\r\n"two\r\nlines",,"end"\r\n';
    expect(parseCsv(text)).toEqual({
      records: [
        { line: 1, fields: ['a', 'b', 'c'] },
        { line: 2, fields: ['x, y', 'say "hi"', ''] },
        { line: 4, fields: ['two\nlines', '', 'end'] },
      ],
      errors: [],
    });
  });

  it('reads a last line without a line break, and lone CR line ends', () => {
    expect(parseCsv('a,b\rc,d').records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['c', 'd'] },
    ]);
  });

  it('reports text after a closing quote and an unclosed quote at the record start', () => {
    const { records, errors } = parseCsv('a,b\n"x"y,z\nok,1\n"open,\nstill open\n');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['ok', '1'] },
    ]);
    expect(errors).toEqual([
      { line: 2, problems: [expect.stringMatching(/after a closing quote/)] },
      { line: 4, problems: [expect.stringMatching(/not closed/)] },
    ]);
  });
});

describe('compound schema', () => {
  it('normalises building names: trimmed, full-width digits to ASCII, otherwise as written', () => {
    expect(normalizeBuilding(' ３号楼 ')).toBe('3号楼');
    expect(normalizeBuilding('12幢2单元')).toBe('12幢2单元');
  });

  it('fills defaults for optional fields', () => {
    const c = compoundSchema.parse({ code: 'YX1', name: '甲', street: '宜城街道', groupKind: 'customer', groupOwner: 'o.wn', secretary: 's.ec', town: '  ' });
    expect(c).toEqual({
      code: 'YX1',
      name: '甲',
      street: '宜城街道',
      town: null,
      community: null,
      groupKind: 'customer',
      chatId: null,
      staffChatId: null,
      pushWebhookKey: null,
      staffWebhookKey: null,
      groupOwner: 'o.wn',
      secretary: 's.ec',
      committee: [],
      buildingLeaders: [],
      property: null,
      enforcement: null,
      streetOffice: null,
      routingOverrides: {},
      active: true,
    });
  });

  it('refuses a push webhook on a customer group and a staff chat equal to the group chat', () => {
    const r = compoundSchema.safeParse({
      code: 'YX1',
      name: '甲',
      street: '宜城街道',
      groupKind: 'customer',
      groupOwner: 'o.wn',
      secretary: 's.ec',
      chatId: 'c1',
      staffChatId: 'c1',
      pushWebhookKey: '693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa',
    });
    expect(r.success ? [] : r.error.issues.map((i) => i.path.join('.'))).toEqual(['pushWebhookKey', 'staffChatId']);
  });
});
