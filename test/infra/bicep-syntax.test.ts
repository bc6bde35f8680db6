import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { bicep, bicepFiles, infraDir, parseBicepSource } from './bicep';

// No Bicep compiler can run here; tree-sitter-bicep is the syntax check `azd up` would otherwise be the first to do.

test('the syntax check finds a broken Bicep file and says where', () => {
  const broken = parseBicepSource("param name string\n\nresource site 'Microsoft.Web/sites@2024-04-01' = {\n  name: name\n  properties: {\n    httpsOnly: true\n}\n");
  assert.ok(broken.problems.length > 0, 'an unclosed object must be reported');
  for (const p of broken.problems) assert.ok(p.line >= 1 && p.column >= 1);
  assert.deepEqual(parseBicepSource("param name string\noutput n string = name\n").problems, []);
});

test('an extension declaration is checked although tree-sitter-bicep predates the keyword', () => {
  const ok = parseBicepSource("extension microsoftGraphV1\nextension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0' as graph\n\nresource g 'Microsoft.Graph/groups@v1.0' = {\n  uniqueName: 'g'\n}\n");
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.extensions, ['microsoftGraphV1', 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0']);
  // positions after a blanked extension line stay where they are in the file
  const later = parseBicepSource("extension microsoftGraphV1\nparam x string = \n");
  assert.deepEqual(later.problems.map((p) => p.line), [2]);
  for (const broken of ['extension\n', 'extension microsoft-graph\n', "extension 'unterminated\n", 'extension microsoftGraphV1 as\n']) {
    const parsed = parseBicepSource(broken);
    assert.ok(parsed.problems.length > 0, `${JSON.stringify(broken)} must be reported`);
    assert.deepEqual(parsed.extensions, []);
  }
});

test('the deployment is split into main.bicep and its small modules', () => {
  const files = bicepFiles().map((f) => path.relative(infraDir, f));
  assert.ok(files.includes('main.bicep'));
  for (const m of ['api', 'storage', 'cosmos', 'keyvault', 'monitoring', 'rbac', 'auth', 'entra', 'graph-mail-access', 'alerts']) {
    assert.ok(files.includes(path.join('app', `${m}.bicep`)), `infra/app/${m}.bicep`);
  }
});

for (const file of bicepFiles()) {
  const rel = path.relative(infraDir, file);
  test(`infra/${rel} parses without syntax errors`, () => {
    const { problems } = bicep(rel);
    assert.deepEqual(
      problems.map((p) => `infra/${rel}:${p.line}:${p.column} ${p.kind} ${JSON.stringify(p.text)}`),
      [],
    );
  });
}
