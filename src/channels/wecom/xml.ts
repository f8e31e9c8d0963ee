import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MalformedEnvelopeError } from './callback-errors';

const MAX_XML_CHARS = 1024 * 1024;
const CDATA_SECTION = /<!\[CDATA\[[\s\S]*?\]\]>/g;
// WeCom never sends a DTD, so any declaration outside CDATA is refused before parsing: that
// rules out XXE and entity-expansion bombs whatever the parser would do with them.
const DTD_DECLARATION = /<!(?:DOCTYPE|ENTITY)/i;
/** Repeatable tags: always arrays, even with one element. */
const ARRAY_TAGS = new Set(['SelectedItem', 'OptionId']);
const TAG_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// eslint-disable-next-line no-control-regex -- these are exactly the characters XML 1.0 forbids
const XML_FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ARRAY_TAGS.has(name),
});

export type XmlObject = Record<string, unknown>;

/**
 * Parses a WeCom XML document whose single root is `<xml>` and returns the root's children.
 * Leaf values are strings (CDATA merged as text); tags in ARRAY_TAGS are always arrays.
 */
export function parseXml(text: string): XmlObject {
  if (text.length > MAX_XML_CHARS) throw new MalformedEnvelopeError('too_large', `XML of ${text.length} chars`);
  if (DTD_DECLARATION.test(text.replace(CDATA_SECTION, ''))) {
    throw new MalformedEnvelopeError('doctype_forbidden', 'XML must not declare a DOCTYPE or ENTITY');
  }
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    const { msg, line } = validation.err;
    throw new MalformedEnvelopeError('invalid_xml', `${msg} (line ${line})`);
  }
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch (err) {
    throw new MalformedEnvelopeError('invalid_xml', err instanceof Error ? err.message : String(err));
  }
  const keys = isPlainObject(doc) ? Object.keys(doc) : [];
  if (!isPlainObject(doc) || keys.length !== 1 || keys[0] !== 'xml') {
    throw new MalformedEnvelopeError('invalid_root', 'the document root must be a single <xml> element');
  }
  const root = doc.xml;
  if (root === '') return {};
  if (!isPlainObject(root)) throw new MalformedEnvelopeError('invalid_root', '<xml> must contain elements');
  return root;
}

export type XmlValue = string | number | XmlValue[] | { [tag: string]: XmlValue };

/** Builds `<xml>…</xml>`: strings in CDATA, numbers bare, arrays as repeated tags. */
export function buildXml(fields: { [tag: string]: XmlValue }): string {
  return element('xml', fields);
}

function element(tag: string, value: XmlValue): string {
  if (!TAG_NAME.test(tag)) throw new Error(`invalid XML tag name: ${tag}`);
  if (Array.isArray(value)) return value.map((item) => element(tag, item)).join('');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`non-finite number in <${tag}>`);
    return `<${tag}>${value}</${tag}>`;
  }
  if (typeof value === 'string') return `<${tag}>${cdata(value)}</${tag}>`;
  const children = Object.entries(value).map(([child, v]) => element(child, v));
  return `<${tag}>${children.join('')}</${tag}>`;
}

function cdata(text: string): string {
  const safe = text.replace(XML_FORBIDDEN_CHARS, '').replaceAll(']]>', ']]]]><![CDATA[>');
  return `<![CDATA[${safe}]]>`;
}

function isPlainObject(value: unknown): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
