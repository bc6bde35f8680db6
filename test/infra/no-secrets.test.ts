import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { bicep, bicepFiles, infraDir, literal, moduleNamed, prop, propPath, resourcesOfType, type BicepFile, type Node } from './bicep';

/**
 * No secret, key or connection string with a key reaches an app setting or a deployment
 * output (outputs are stored in the deployment history and azd's .env in plain text).
 * Two things look like one and are not, each checked for why: the Application Insights
 * connection string (ingestion needs an Entra token: local auth is off) and the Key Vault
 * reference of the admin key (a URI; the platform resolves it with the app's identity).
 */
const SECRET_LIKE = [
  /\blistKeys\s*\(/i, /\blistConnectionStrings\s*\(/i, /\blistAccountSas\s*\(/i, /\blistServiceSas\s*\(/i, /\blistSecrets\s*\(/i,
  /AccountKey=/i, /SharedAccessKey/i, /SharedAccessSignature/i, /[?&]sig=/i, /InstrumentationKey=/i,
  /primaryKey/i, /secondaryKey/i, /MasterKey/i, /primaryConnectionString/i, /secondaryConnectionString/i,
  /connectionString/i, /password/i, /secret/i, /clientSecret/i, /\bkey\b/i, /apiKey/i,
];

/** Where something secret-looking is allowed, and the check that it is not a secret. */
const NOT_SECRETS: Record<string, string> = {
  'main.bicep output APPLICATIONINSIGHTS_CONNECTION_STRING': 'monitoring.outputs.connectionString',
  'app/monitoring.bicep output connectionString': 'appInsights.properties.ConnectionString',
  'app setting APPLICATIONINSIGHTS_CONNECTION_STRING': 'monitoring.outputs.connectionString',
  'app/keyvault.bicep output adminApiKeySecretUri': "empty(adminApiKey) ? '' : '${vault.properties.vaultUri}secrets/admin-api-key'",
  'app setting ADMIN_API_KEY': "'@Microsoft.KeyVault(SecretUri=${keyVault.outputs.adminApiKeySecretUri})'",
};

function outputsOf(f: BicepFile): { name: string; value: Node }[] {
  return f.root.namedChildren
    .filter((c) => c.type === 'output_declaration')
    .map((c) => ({ name: c.namedChildren[0]?.text ?? '', value: c.namedChildren[c.namedChildren.length - 1] as Node }));
}

function secureParams(f: BicepFile): string[] {
  return f.root.namedChildren
    .filter((c) => c.type === 'parameter_declaration' && c.previousNamedSibling?.text.startsWith('@secure('))
    .map((c) => c.namedChildren[0]?.text ?? '');
}

function objectEntries(node: Node): { key: string; value: Node }[] {
  if (node.type === 'object') {
    return node.namedChildren.filter((c) => c.type === 'object_property').map((p) => {
      const [k, v] = p.namedChildren.filter((c) => c.type !== 'comment');
      return { key: k?.type === 'string' ? String(literal(k)) : (k?.text ?? ''), value: v as Node };
    });
  }
  return node.namedChildren.flatMap(objectEntries);
}

function appSettings(): { key: string; value: Node }[] {
  const fromMain = propPath(moduleNamed(bicep('main.bicep'), 'api').body, 'params', 'appSettings') as Node;
  const [config] = resourcesOfType(bicep('app/api.bicep'), 'Microsoft.Web/sites/config').filter((r) => literal(prop(r.body, 'name') as Node) === 'appsettings');
  return [...objectEntries(fromMain), ...objectEntries(prop(config?.body, 'properties') as Node)];
}

function judge(where: string, key: string, value: string, problems: string[]): void {
  const allowed = NOT_SECRETS[where];
  if (allowed !== undefined) {
    if (value !== allowed) problems.push(`${where} changed: ${value} (was ${allowed}); check it is still no secret`);
    return;
  }
  const hit = SECRET_LIKE.find((p) => p.test(key) || p.test(value));
  if (hit) problems.push(`${where} = ${value} looks like a secret (${String(hit)})`);
}

test('no output of any Bicep file carries a secret, a key, a connection string with a key or a secure parameter', () => {
  const problems: string[] = [];
  for (const file of bicepFiles()) {
    const rel = path.relative(infraDir, file);
    const f = bicep(rel);
    const secure = secureParams(f);
    for (const o of outputsOf(f)) {
      judge(`${rel} output ${o.name}`, o.name, o.value.text, problems);
      for (const s of secure) if (new RegExp(`\\b${s}\\b`).test(o.value.text) && !(`${rel} output ${o.name}` in NOT_SECRETS)) problems.push(`${rel} output ${o.name} uses the secure parameter ${s}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(secureParams(bicep('main.bicep')).includes('adminApiKey'), 'the secure-parameter scan finds main.bicep\'s admin key');
});

test('no app setting or site configuration carries a secret, a key or a connection string with a key', () => {
  const problems: string[] = [];
  const settings = appSettings();
  assert.ok(settings.length >= 10, 'the scan sees the app settings');
  for (const s of settings) judge(`app setting ${s.key}`, s.key, s.value.text, problems);
  const [site] = resourcesOfType(bicep('app/api.bicep'), 'Microsoft.Web/sites');
  for (const s of objectEntries(propPath(site?.body, 'properties', 'siteConfig') as Node)) judge(`siteConfig ${s.key}`, s.key, s.value.text, problems);
  assert.deepEqual(problems, []);
  // why the two look-alikes are not secrets
  const [appInsights] = resourcesOfType(bicep('app/monitoring.bicep'), 'Microsoft.Insights/components');
  assert.equal(literal(propPath(appInsights?.body, 'properties', 'DisableLocalAuth') as Node), true, 'the App Insights connection string cannot send without an Entra token');
  assert.equal(settings.find((s) => s.key === 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING')?.value.text, "'Authorization=AAD'");
});

test('the secret scan catches a key in an output or an app setting', () => {
  const problems: string[] = [];
  judge('x output STORAGE', 'STORAGE', "'DefaultEndpointsProtocol=https;AccountName=${a.name};AccountKey=${a.listKeys().keys[0].value}'", problems);
  judge('app setting COSMOS_KEY', 'COSMOS_KEY', 'cosmos.listKeys().primaryMasterKey', problems);
  judge('app setting CLIENT', 'CLIENT', 'clientSecret', problems);
  judge('app setting APPLICATIONINSIGHTS_CONNECTION_STRING', 'APPLICATIONINSIGHTS_CONNECTION_STRING', "'InstrumentationKey=00000000-0000-0000-0000-000000000000'", problems);
  assert.equal(problems.length, 4, problems.join('\n'));
});
