import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitToItemLimit, TRUNCATION_NOTICE } from '../../../shared/tickets/fit-size';

type Doc = { id: string; description: { text: string; html?: string; truncated?: boolean }; fields: Record<string, string | number | null> };
const get = (d: Doc) => ({ ...d.description, fields: d.fields });
const set = (d: Doc, { fields, ...description }: { text: string; html?: string; truncated?: boolean; fields?: Doc['fields'] }): Doc => ({ ...d, description, fields: fields ?? d.fields });
const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

test('a document that fits is returned as it is', () => {
  const doc: Doc = { id: 'a', description: { text: 'short', html: '<p>short</p>' }, fields: {} };
  assert.equal(fitToItemLimit(doc, get, set, 10_000), doc);
});

test('too big: the HTML copy goes first, the text stays whole if that is enough', () => {
  const doc: Doc = { id: 'a', description: { text: 'x'.repeat(3000), html: `<p>${'x'.repeat(9000)}</p>` }, fields: {} };
  const out = fitToItemLimit(doc, get, set, 5000);
  assert.equal(out.description.html, undefined);
  assert.equal(out.description.text.length, 3000);
  assert.equal(out.description.truncated, true);
});

test('still too big: long field values are capped, then the text is cut with a notice, and the result fits', () => {
  const doc: Doc = { id: 'a', description: { text: 'ü"\\'.repeat(400_000) }, fields: { body: 'y'.repeat(100_000), n: 3 } };
  const out = fitToItemLimit(doc, get, set, 200_000);
  assert.ok(size(out) <= 200_000, String(size(out)));
  assert.ok(out.description.text.endsWith(TRUNCATION_NOTICE));
  assert.ok(out.description.text.startsWith('ü"\\ü'));
  assert.ok(!out.description.text.includes('\uFFFD'), 'no broken character at the cut');
  assert.equal((out.fields.body as string).length, 32_000);
  assert.equal(out.fields.n, 3);
});

test('the cut never splits an emoji in half', () => {
  for (const limit of [5001, 5002, 5003, 5004]) {
    const doc: Doc = { id: 'a', description: { text: '😀'.repeat(5000) }, fields: {} };
    const out = fitToItemLimit(doc, get, set, limit);
    assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(out.description.text), `lone surrogate at limit ${limit}`);
    assert.ok(size(out) <= limit);
  }
});
