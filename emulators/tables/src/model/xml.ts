/**
 * The little XML the Table service speaks (service properties, statistics,
 * table ACLs): elements, text and the five predefined entities. Attributes,
 * comments and processing instructions are skipped; DTDs and CDATA are refused,
 * so no entity expansion can be smuggled in. Anything malformed is the
 * service's 400 InvalidXmlDocument.
 */
import { ServiceError } from '../errors.js';

export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  /** Text directly inside the element (entities decoded, not trimmed). */
  text: string;
}

const maxDepth = 32;
const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export const invalidXml = (detail = 'XML specified is not syntactically valid.') => new ServiceError(400, 'InvalidXmlDocument', detail);

/** Namespace prefixes are dropped: the service's documents use none that matter. */
const localName = (name: string) => name.slice(name.indexOf(':') + 1);

function codePoint(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 0x10ffff) throw invalidXml();
  return String.fromCodePoint(n);
}

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,8}|#\d{1,9}|[a-z]+);|&/g, (_whole, ref: string | undefined) => {
    if (ref === undefined) throw invalidXml();
    if (ref.startsWith('#x')) return codePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return codePoint(Number(ref.slice(1)));
    const v = entities[ref];
    if (v === undefined) throw invalidXml();
    return v;
  });
}

/** Parses a document with one root element. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const src = text.replace(/^\uFEFF/, '');
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const chunk = src.slice(i, lt < 0 ? src.length : lt);
    const top = stack.at(-1);
    if (top) top.text += decode(chunk);
    else if (chunk.trim() !== '') throw invalidXml();
    if (lt < 0) break;
    if (src.startsWith('<?', lt)) {
      const end = src.indexOf('?>', lt);
      if (end < 0) throw invalidXml();
      i = end + 2;
    } else if (src.startsWith('<!--', lt)) {
      const end = src.indexOf('-->', lt);
      if (end < 0) throw invalidXml();
      i = end + 3;
    } else if (src.startsWith('<!', lt)) {
      throw invalidXml('DTDs and CDATA sections are not accepted.');
    } else if (src.startsWith('</', lt)) {
      const end = src.indexOf('>', lt);
      const name = localName(src.slice(lt + 2, end).trim());
      const open = stack.pop();
      if (end < 0 || !open || open.name !== name) throw invalidXml();
      i = end + 1;
    } else {
      const end = src.indexOf('>', lt);
      if (end < 0) throw invalidXml();
      const selfClosing = src[end - 1] === '/';
      const inner = src.slice(lt + 1, selfClosing ? end - 1 : end);
      const name = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/.exec(inner)?.[0];
      if (!name) throw invalidXml();
      const el: XmlElement = { name: localName(name), children: [], text: '' };
      const parent = stack.at(-1);
      if (parent) parent.children.push(el);
      else if (root) throw invalidXml();
      else root = el;
      if (!selfClosing) stack.push(el);
      if (stack.length > maxDepth) throw invalidXml();
      i = end + 1;
    }
  }
  if (!root || stack.length > 0) throw invalidXml();
  return root;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${Object.entries(entities).find(([, v]) => v === c)![0]};`);
}

/** `<name>text</name>`, or the element with already-written children when `inner` is given as XML. */
export function tag(name: string, content: string | number | boolean, raw = false): string {
  const body = raw ? String(content) : escapeXml(String(content));
  return `<${name}>${body}</${name}>`;
}

export const xmlProlog = '<?xml version="1.0" encoding="utf-8"?>';
