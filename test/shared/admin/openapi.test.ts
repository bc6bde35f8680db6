import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiDocument } from '../../../shared/admin/openapi';
import { adminRoutes } from '../../../shared/admin/routes';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; security?: unknown[] }>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};
const doc = openApiDocument() as Doc;

test('the OpenAPI document is 3.1 and describes every route of the route table, once', () => {
  assert.equal(doc.openapi, '3.1.0');
  const ops = Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => `${m.toUpperCase()} ${p} ${op.operationId}`));
  const expected = Object.values(adminRoutes).map((r) => `${r.method} /api/${r.route} ${r.name}`);
  assert.deepEqual(ops.sort(), expected.sort());
});

test('every $ref points at a schema the document defines', () => {
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] ?? '');
  assert.ok(refs.length > 10);
  for (const r of refs) assert.ok(doc.components.schemas[r], `missing schema ${r}`);
});

test('admin operations declare 401 and 403 with the error shape; the document itself is public', () => {
  for (const r of Object.values(adminRoutes)) {
    const op = doc.paths[`/api/${r.route}`]?.[r.method.toLowerCase()];
    assert.ok(op);
    if (r.admin) {
      assert.ok(op.responses['401'] && op.responses['403'], r.name);
    } else {
      assert.deepEqual(op.security, []);
    }
  }
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['adminBearer', 'adminKey', 'appServiceAuth']);
});

test('secrets are write-only in the schemas: the view shows isSet, the input takes a string', () => {
  const json = JSON.stringify(doc.components.schemas.ChannelView);
  assert.ok(json.includes('"isSet"'));
  const input = JSON.stringify(doc.components.schemas.ChannelInput);
  assert.ok(input.includes('"password"') && input.includes('"maxLength":8192'));
});

test('the edge rules are documented: X-Requested-With on bodiless POSTs, 400 for malformed route ids, the dry run\'s 503 with Retry-After', () => {
  type Op = { parameters?: { name: string; in: string; schema?: { maxLength?: number; pattern?: string } }[]; responses: Record<string, { headers?: Record<string, unknown> }>; requestBody?: unknown };
  const op = (key: keyof typeof adminRoutes) => doc.paths[`/api/${adminRoutes[key].route}`]?.[adminRoutes[key].method.toLowerCase()] as unknown as Op;
  for (const key of ['publishChannel', 'pauseChannel', 'syncChannel', 'retryMessage'] as const) {
    assert.ok(op(key).parameters?.some((p) => p.in === 'header' && p.name === 'X-Requested-With'), key);
    assert.ok(op(key).responses['403'], key);
  }
  assert.ok(!op('createChannel').parameters?.some((p) => p.name === 'X-Requested-With'), 'a JSON body is non-simple already');
  assert.ok(op('getChannel').responses['400'], 'a malformed id is a 400');
  assert.equal(op('getChannel').parameters?.find((p) => p.name === 'id')?.schema?.maxLength, 255);
  assert.ok(op('getTicketAttachment').parameters?.find((p) => p.name === 'index')?.schema?.pattern);
  assert.ok(op('dryRun').responses['503']?.headers?.['Retry-After']);
  assert.deepEqual(Object.keys((op('dryRun').requestBody as { content: object }).content), ['message/rfc822', 'application/json'], 'a raw mail, or JSON naming one with an optional configuration patch');
  assert.equal(((op('dryRun').requestBody as { content: Record<string, { schema: { $ref?: string } }> }).content['application/json']?.schema.$ref), '#/components/schemas/DryRunRequest');
});

test('the channel schemas document the managedIdentity auth: no secret field, an optional user-assigned client id', () => {
  type Node = { properties?: Record<string, { const?: unknown; format?: string }>; required?: string[] };
  const found: Node[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const n = v as Node;
    if (n.properties?.type?.const === 'managedIdentity') found.push(n);
    Object.values(v).forEach(walk);
  };
  walk(doc.components.schemas);
  assert.ok(found.length >= 3, `input, record and view (found ${found.length})`);
  for (const n of found) {
    assert.deepEqual(Object.keys(n.properties ?? {}).sort(), ['managedIdentityClientId', 'type']);
    assert.equal(n.properties?.managedIdentityClientId?.format, 'uuid');
    assert.deepEqual(n.required, ['type']);
  }
});

test('the ticket routes: the reply takes text/html/cc/attachments and an Idempotency-Key and answers 202; the status patch is a merge patch with If-Match; the ticket read shows the mail state of outbound notes', () => {
  const reply = doc.paths['/api/tickets/{id}/reply']?.post as unknown as { parameters: { name: string; in: string }[]; requestBody: { content: Record<string, unknown> }; responses: Record<string, unknown> };
  assert.ok(reply.parameters.some((p) => p.name === 'Idempotency-Key' && p.in === 'header'));
  assert.deepEqual(Object.keys(reply.requestBody.content), ['application/json']);
  assert.ok(reply.responses['202'] && reply.responses['409'] && reply.responses['413']);
  const input = doc.components.schemas.AgentReplyRequest as { properties: Record<string, unknown>; additionalProperties: unknown };
  assert.deepEqual(Object.keys(input.properties).sort(), ['attachments', 'author', 'cc', 'html', 'text']);
  assert.equal(input.additionalProperties, false);

  const patch = doc.paths['/api/tickets/{id}']?.patch as unknown as { parameters: { name: string }[]; requestBody: { content: Record<string, unknown> }; responses: Record<string, unknown> };
  assert.ok(patch.parameters.some((p) => p.name === 'If-Match'));
  assert.deepEqual(Object.keys(patch.requestBody.content), ['application/merge-patch+json', 'application/json']);
  assert.ok(patch.responses['412']);
  assert.match(JSON.stringify(doc.components.schemas.TicketPatchResult), /notification/);
  assert.match(JSON.stringify(doc.components.schemas.TicketView), /"outbox"/);
});

test('the sign-in routes are in the document: start and status for admins (302 or JSON, the status schema), the callback public with its refusals as HTML pages', () => {
  type Op = { security?: unknown[]; parameters?: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> };
  const op = (key: keyof typeof adminRoutes) => doc.paths[`/api/${adminRoutes[key].route}`]?.[adminRoutes[key].method.toLowerCase()] as unknown as Op;
  assert.ok(op('oauthStart').responses['302'] && op('oauthStart').responses['401'] && op('oauthStart').responses['403']);
  assert.equal(op('oauthStart').responses['200']?.content?.['application/json']?.schema?.$ref, '#/components/schemas/SignInStart');
  assert.equal(op('oauthStatus').responses['200']?.content?.['application/json']?.schema?.$ref, '#/components/schemas/SignInStatus');
  const callback = op('oauthCallback');
  assert.deepEqual(callback.security, []);
  assert.ok(callback.responses['303']);
  assert.ok(callback.responses['400']?.content?.['text/html'], 'a refused state answers a page, not JSON');
  assert.deepEqual(callback.parameters?.filter((p) => p.in === 'query').map((p) => p.name), ['state', 'code', 'error', 'error_description']);
});
