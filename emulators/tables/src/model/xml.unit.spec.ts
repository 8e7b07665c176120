import { describe, expect, it } from 'vitest';
import { ServiceError } from '../errors.js';
import { child, children, escapeXml, parseXml } from './xml.js';

const codeOf = (text: string): string | undefined => {
  try {
    parseXml(text);
  } catch (err) {
    return err instanceof ServiceError ? err.code : `not a ServiceError: ${String(err)}`;
  }
  return undefined;
};

describe('the XML reader for service properties and ACLs', () => {
  it('reads elements, text, entities and self-closing tags, skipping the prolog and namespaces', () => {
    const root = parseXml('\uFEFF<?xml version="1.0" encoding="utf-8"?><a:Root xmlns:a="x"><Item>1 &lt; 2 &amp; &#x41;</Item><Item/><!-- note --><Other>z</Other></a:Root>');
    expect(root.name).toBe('Root');
    expect(children(root, 'Item').map((i) => i.text)).toEqual(['1 < 2 & A', '']);
    expect(child(root, 'Other')?.text).toBe('z');
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });

  it.each([
    ['', 'no root'],
    ['<a><b></a></b>', 'crossed tags'],
    ['<a>', 'unclosed'],
    ['<a/><b/>', 'two roots'],
    ['text<a/>', 'text outside the root'],
    ['<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 'a DTD'],
    ['<a>&unknown;</a>', 'an unknown entity'],
    ['<a>a & b</a>', 'a bare ampersand'],
    ['<a>&#x110000;</a>', 'a character reference past Unicode'],
    [`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`, 'nesting past 32'],
  ])('refuses %j (%s) with InvalidXmlDocument', (text) => {
    expect(codeOf(text)).toBe('InvalidXmlDocument');
  });
});
