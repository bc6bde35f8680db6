import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BlobContainers, CosmosContainers } from '../../shared/store/containers';
import { QueueNames, allQueueNames } from '../../shared/queue/contracts';
import { SettingsSchema } from '../../shared/config/settings';
import {
  Expr, bicep, bicepFiles, infraDir, literal, moduleNamed, outputs, params, prop, propPath, properties,
  repoRoot, resourcesOfType, variable, type Node,
} from './bicep';
import { queueBindingsIn, queueBindingsInDir } from './queue-bindings';
import { WORKER_NODE_ARGUMENTS } from '../../shared/config/worker-node-arguments';

/**
 * What the code uses is what `azd up` provisions: every Cosmos container with its
 * partition key, every queue and blob container, every app setting, every role.
 * The lists come from the code itself, so a new queue or container without its infra
 * fails here rather than in the customer's subscription.
 */
const main = () => bicep('main.bicep');

function stringList(node: Node): string[] {
  const v = literal(node);
  assert.ok(Array.isArray(v) && v.every((x) => typeof x === 'string'), `expected a literal list of strings: ${node.text}`);
  return v as string[];
}

function moduleParam(moduleName: string, param: string): Node {
  const value = propPath(moduleNamed(main(), moduleName).body, 'params', param);
  assert.ok(value, `module ${moduleName} in main.bicep gets no ${param}`);
  return value;
}

/**
 * The object literals of an app-settings expression: the object itself, or every object
 * inside `union(...)`, including both branches of a conditional (`cond ? {} : {...}`).
 */
function objectParts(node: Node): Node[] {
  if (node.type === 'object') return [node];
  return node.namedChildren.flatMap((c) => objectParts(c));
}

/** Keys of the app settings the Function App gets: main.bicep's appSettings and what api.bicep adds. */
function provisionedAppSettings(): Map<string, Node> {
  const out = new Map<string, Node>();
  const fromMain = moduleParam('api', 'appSettings');
  for (const part of objectParts(fromMain)) for (const p of properties(part)) out.set(p.key, p.value);

  const [config] = resourcesOfType(bicep('app/api.bicep'), 'Microsoft.Web/sites/config')
    .filter((r) => literal(prop(r.body, 'name') as Node) === 'appsettings');
  assert.ok(config, 'api.bicep sets app settings through a sites/config "appsettings" resource');
  const value = prop(config.body, 'properties') as Node;
  const parts = value.type === 'call_expression'
    ? (value.namedChildren.find((c) => c.type === 'arguments')?.namedChildren ?? [])
    : [value];
  assert.ok(parts.some((p) => p.text === 'appSettings'), 'api.bicep passes the appSettings parameter on');
  for (const part of parts.filter((p) => p.type === 'object')) {
    for (const p of properties(part)) out.set(p.key, p.value);
  }
  return out;
}

test('every Cosmos container the code uses is provisioned with its partition key', () => {
  const provisioned = literal(variable(main(), 'cosmosContainers')) as { name: string; partitionKey: string }[];
  const byName = (list: { name: string; partitionKey: string }[]) =>
    Object.fromEntries(list.map((c) => [c.name, c.partitionKey]));
  const expected = Object.fromEntries(Object.values(CosmosContainers).map((c) => [c.id, c.partitionKey]));
  assert.deepEqual(byName(provisioned), expected);

  // The database is the one the app reads by default, and the module creates each listed container.
  const database = literal(variable(main(), 'cosmosDatabaseName'));
  assert.equal(database, SettingsSchema.shape.COSMOS_DATABASE.parse(undefined));
  assert.equal(moduleParam('cosmos', 'containers').text, 'cosmosContainers');
  assert.equal(moduleParam('cosmos', 'databaseName').text, 'cosmosDatabaseName');
  const [containers] = resourcesOfType(bicep('app/cosmos.bicep'), 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
  assert.ok(containers, 'cosmos.bicep declares the containers');
  assert.equal(containers.loopOver, 'containers');
  assert.match(propPath(containers.body, 'properties', 'resource', 'partitionKey', 'paths')?.text ?? '', /\.partitionKey\b/);
  assert.match(propPath(containers.body, 'properties', 'resource', 'id')?.text ?? '', /\.name\b/);
});

test('every queue the code uses is provisioned, with a poison queue for each', () => {
  const provisioned = stringList(variable(main(), 'queueNames'));
  assert.deepEqual([...provisioned].sort(), [...allQueueNames].sort());
  for (const q of allQueueNames.filter((n) => !n.endsWith('-poison'))) {
    assert.ok(provisioned.includes(`${q}-poison`), `${q}-poison (where the host moves a message after 5 dequeues)`);
  }
  assert.equal(moduleParam('storage', 'queueNames').text, 'queueNames');
  const [queues] = resourcesOfType(bicep('app/storage.bicep'), 'Microsoft.Storage/storageAccounts/queueServices/queues');
  assert.equal(queues?.loopOver, 'queueNames');
});

test('every blob container the code uses is provisioned, beside the deployment package container', () => {
  const provisioned = stringList(variable(main(), 'blobContainerNames'));
  assert.deepEqual([...provisioned].sort(), Object.values(BlobContainers).sort());
  const passed = moduleParam('storage', 'blobContainerNames').text;
  assert.match(passed, /\bblobContainerNames\b/);
  assert.match(passed, /\bdeploymentContainerName\b/);
  const [containers] = resourcesOfType(bicep('app/storage.bicep'), 'Microsoft.Storage/storageAccounts/blobServices/containers');
  assert.equal(containers?.loopOver, 'blobContainerNames');
});

test('the queue binding scan resolves literals, QueueNames keys and file constants', () => {
  const source = `
    import { app, output } from '@azure/functions';
    import { QueueNames } from '../shared/queue/contracts';
    const POISON = QueueNames.mailInboundPoison;
    const out = output.storageQueue({ queueName: 'mail-inbound', connection: 'AzureWebJobsStorage' });
    app.storageQueue('processMail', { queueName: QueueNames.mailInbound, connection: 'AzureWebJobsStorage', handler: async () => {} });
    app.storageQueue('recordFailure', { queueName: POISON, handler: async () => {} });
    app.storageQueue('odd', { queueName: pick(), handler: async () => {} });
    app.http('notAQueue', { route: 'x', handler: async () => ({}) });
  `;
  const found = queueBindingsIn(source, 'sample.ts', QueueNames);
  assert.deepEqual(
    found.map((b) => [b.kind, b.queueName, b.connection]),
    [
      ['output', 'mail-inbound', 'AzureWebJobsStorage'],
      ['trigger', 'mail-inbound', 'AzureWebJobsStorage'],
      ['trigger', 'mail-inbound-poison', undefined],
      ['trigger', undefined, undefined],
    ],
  );
  assert.equal(found[3]?.queueNameText, 'pick()');
});

test('every queue a function binds to is provisioned, on the app\'s own storage connection', () => {
  const provisioned = new Set(stringList(variable(main(), 'queueNames')));
  const bindings = queueBindingsInDir(path.join(repoRoot, 'functions'), QueueNames);
  for (const b of bindings) {
    const where = `${path.relative(repoRoot, b.file)}: ${b.kind} queueName ${b.queueNameText}`;
    assert.ok(b.queueName !== undefined, `${where} cannot be resolved; use a literal or QueueNames.<key>`);
    assert.ok(provisioned.has(b.queueName), `${where} = "${b.queueName}" is not provisioned in infra/main.bicep`);
    assert.ok(b.connection === undefined || b.connection === 'AzureWebJobsStorage', `${where} uses connection ${b.connection}, which infra does not configure`);
  }
  // Every function file was read (the scan saw the folder, bindings or not).
  assert.ok(fs.readdirSync(path.join(repoRoot, 'functions')).some((f) => f.endsWith('.ts')));
});

// Settings the code needs in Azure (all read by SettingsSchema).
const NEEDED_IN_AZURE = [
  'COSMOS_ENDPOINT',
  'COSMOS_DATABASE',
  'KEY_VAULT_URI',
  'PUBLIC_BASE_URL',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__blobServiceUri',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
] as const;
// Read by the Functions host, not by the app: identity-based storage and App Insights.
const READ_BY_HOST: Record<string, unknown> = {
  AzureWebJobsStorage__credential: 'managedidentity',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
  // the worker's Node.js options: the same in Azure as in the devhost and the bench
  languageWorkers__node__arguments: WORKER_NODE_ARGUMENTS,
};
// Keys and local-only settings: in Azure the identity and Key Vault replace them.
const NEVER_IN_AZURE = [
  'AzureWebJobsStorage', // a connection string with the account key
  'AzureWebJobsStorage__clientId', // only for a user-assigned identity; the app uses its system one
  'COSMOS_KEY',
  'LOCAL_SECRETS_FILE',
  'LOCAL_SECRETS_KEY',
  // Flex Consumption rejects these; it takes runtime and package from functionAppConfig.
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
];

test('the Function App gets every setting the code needs in Azure, and no key or local-only setting', () => {
  const settings = provisionedAppSettings();
  const schemaKeys = Object.keys(SettingsSchema.shape);
  const requiredBySchema = schemaKeys.filter(
    (k) => !SettingsSchema.shape[k as keyof typeof SettingsSchema.shape].safeParse(undefined).success,
  );
  for (const key of [...NEEDED_IN_AZURE, ...requiredBySchema]) {
    assert.ok(schemaKeys.includes(key), `${key} is not read by shared/config/settings.ts any more`);
    assert.ok(settings.has(key), `app setting ${key} is not provisioned`);
  }
  for (const key of NEVER_IN_AZURE) assert.ok(!settings.has(key), `app setting ${key} must not be set in Azure`);
  // the optional admin key for scripts is only ever a Key Vault reference, never a value
  const adminKey = settings.get('ADMIN_API_KEY');
  assert.ok(adminKey, 'ADMIN_API_KEY is provisioned when the adminApiKey parameter is given');
  assert.match(adminKey.text, /^'@Microsoft\.KeyVault\(SecretUri=/, 'ADMIN_API_KEY is a Key Vault reference');
  for (const [key, value] of Object.entries(READ_BY_HOST)) {
    assert.equal(literal(settings.get(key) as Node), value, key);
  }
  assert.equal(settings.get('COSMOS_DATABASE')?.text, 'cosmosDatabaseName');
  // Mail connections may not reach the app's own network unless someone decides otherwise.
  assert.equal(literal(settings.get('MAIL_ALLOW_PRIVATE_HOSTS') as Node), 'false');
  assert.equal(SettingsSchema.shape.MAIL_ALLOW_PRIVATE_HOSTS.parse(undefined), false, 'absent means off');
});

test('every app setting in the Bicep is read by the code or by the Functions host', () => {
  const schemaKeys = new Set(Object.keys(SettingsSchema.shape));
  const unknown = [...provisionedAppSettings().keys()].filter((k) => !schemaKeys.has(k) && !(k in READ_BY_HOST));
  assert.deepEqual(unknown, []);
});

test('no account key, connection string with a key, or SAS is read anywhere in infra', () => {
  for (const file of bicepFiles()) {
    const text = fs.readFileSync(file, 'utf8');
    for (const banned of [/\blistKeys\s*\(/, /\blistConnectionStrings\s*\(/, /\blistAccountSas\s*\(/, /\blistServiceSas\s*\(/, /AccountKey=/, /InstrumentationKey=/]) {
      assert.doesNotMatch(text, banned, `${path.relative(infraDir, file)}`);
    }
  }
});

test('no resource accepts keys: storage, Cosmos and App Insights take Entra tokens only, Key Vault uses RBAC', () => {
  const [account] = resourcesOfType(bicep('app/storage.bicep'), 'Microsoft.Storage/storageAccounts');
  assert.equal(literal(propPath(account?.body, 'properties', 'allowSharedKeyAccess') as Node), false);
  assert.equal(literal(propPath(account?.body, 'properties', 'allowBlobPublicAccess') as Node), false);

  const [cosmos] = resourcesOfType(bicep('app/cosmos.bicep'), 'Microsoft.DocumentDB/databaseAccounts');
  assert.equal(literal(propPath(cosmos?.body, 'properties', 'disableLocalAuth') as Node), true);
  const capabilities = literal(propPath(cosmos?.body, 'properties', 'capabilities') as Node);
  assert.deepEqual(capabilities, [{ name: 'EnableServerless' }]);

  const [appInsights] = resourcesOfType(bicep('app/monitoring.bicep'), 'Microsoft.Insights/components');
  assert.equal(literal(propPath(appInsights?.body, 'properties', 'DisableLocalAuth') as Node), true);

  const [vault] = resourcesOfType(bicep('app/keyvault.bicep'), 'Microsoft.KeyVault/vaults');
  assert.equal(literal(propPath(vault?.body, 'properties', 'enableRbacAuthorization') as Node), true);
  assert.equal(propPath(vault?.body, 'properties', 'accessPolicies'), undefined);
});

test('the Function App runs on Flex Consumption with a system-assigned identity and identity-based deployment storage', () => {
  const api = bicep('app/api.bicep');
  const [plan] = resourcesOfType(api, 'Microsoft.Web/serverfarms');
  assert.deepEqual(literal(prop(plan?.body, 'sku') as Node), { tier: 'FlexConsumption', name: 'FC1' });
  const [site] = resourcesOfType(api, 'Microsoft.Web/sites');
  assert.ok(site);
  assert.deepEqual(literal(prop(site.body, 'identity') as Node), { type: 'SystemAssigned' });
  const config = propPath(site.body, 'properties', 'functionAppConfig');
  assert.equal(literal(propPath(config, 'runtime', 'name') as Node), 'node');
  assert.deepEqual(literal(propPath(config, 'deployment', 'storage', 'authentication') as Node), { type: 'SystemAssignedIdentity' });
  assert.equal(literal(propPath(config, 'deployment', 'storage', 'type') as Node), 'blobContainer');
  const nodeVersion = params(main()).find((p) => p.name === 'nodeVersion');
  assert.equal(nodeVersion?.default && literal(nodeVersion.default), '20');
  // The deployment container URL points into the provisioned storage account.
  assert.match(moduleParam('api', 'deploymentContainerUrl').text, /storage\.outputs\.blobEndpoint.*deploymentContainerName/);
});

// Built-in role definition ids, as published by Azure.
const ROLES = [
  { role: 'Storage Blob Data Owner', id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', scopeType: 'Microsoft.Storage/storageAccounts' },
  { role: 'Storage Queue Data Contributor', id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88', scopeType: 'Microsoft.Storage/storageAccounts' },
  { role: 'Monitoring Metrics Publisher', id: '3913510d-42f4-4e42-8a64-420c390055eb', scopeType: 'Microsoft.Insights/components' },
  { role: 'Key Vault Secrets Officer', id: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7', scopeType: 'Microsoft.KeyVault/vaults' },
];
const COSMOS_DATA_CONTRIBUTOR = '00000000-0000-0000-0000-000000000002';

test('the app\'s identity and the deploying principal hold every data role the app needs', () => {
  const rbac = bicep('app/rbac.bicep');
  const roleIds = literal(variable(rbac, 'roles')) as Record<string, string>;
  const assignments = resourcesOfType(rbac, 'Microsoft.Authorization/roleAssignments');
  const symbolOf = (type: string) => resourcesOfType(rbac, type).map((r) => r.name);

  for (const { role, id, scopeType } of ROLES) {
    const key = Object.keys(roleIds).find((k) => roleIds[k] === id);
    assert.ok(key, `${role} (${id}) is in rbac.bicep's roles`);
    const assignment = assignments.find((a) => new RegExp(`\\broles\\.${key}\\b`).test(propPath(a.body, 'properties', 'roleDefinitionId')?.text ?? ''));
    assert.ok(assignment, `${role} is assigned`);
    assert.equal(assignment.loopOver, 'principals', `${role} goes to every principal`);
    assert.ok(symbolOf(scopeType).includes(prop(assignment.body, 'scope')?.text ?? ''), `${role} is scoped to the ${scopeType}`);
  }

  assert.equal(literal(variable(rbac, 'cosmosDataContributor')), COSMOS_DATA_CONTRIBUTOR);
  const [cosmosAssignment] = resourcesOfType(rbac, 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments');
  assert.equal(cosmosAssignment?.loopOver, 'principals');
  assert.match(propPath(cosmosAssignment?.body, 'properties', 'roleDefinitionId')?.text ?? '', /sqlRoleDefinitions\/\$\{cosmosDataContributor\}/);

  // principals = the app's identity, plus the deploying principal when azd gives one.
  const principals = variable(rbac, 'principals').text;
  assert.match(principals, /appPrincipalId/);
  assert.match(principals, /userPrincipalId/);
  assert.equal(moduleParam('rbac', 'appPrincipalId').text, 'api.outputs.principalId');
  assert.equal(moduleParam('rbac', 'userPrincipalId').text, 'principalId');
});

test('built-in sign-in is always on, with the created app registration unless the tenant brings its own, and lets anonymous requests through', () => {
  const auth = moduleNamed(main(), 'auth');
  assert.equal(auth.condition, undefined);
  assert.equal(moduleParam('auth', 'clientId').text, 'adminClientId');
  assert.equal(variable(main(), 'adminClientId').text, 'empty(entraClientId) ? entra.outputs.clientId : entraClientId');
  assert.equal(moduleNamed(main(), 'entra').condition, '(empty(entraClientId))');
  assert.equal(params(main()).find((p) => p.name === 'entraClientId')?.default?.text, "''");
  const [settings] = resourcesOfType(bicep('app/auth.bicep'), 'Microsoft.Web/sites/config');
  assert.equal(literal(prop(settings?.body, 'name') as Node), 'authsettingsV2');
  assert.deepEqual(literal(propPath(settings?.body, 'properties', 'globalValidation') as Node), {
    requireAuthentication: false,
    unauthenticatedClientAction: 'AllowAnonymous',
  });
});

test('main.parameters.json feeds main.bicep from the azd environment, with the Bicep defaults as fallbacks', () => {
  const file = JSON.parse(fs.readFileSync(path.join(infraDir, 'main.parameters.json'), 'utf8')) as {
    parameters: Record<string, { value: unknown }>;
  };
  const declared = params(main());
  const declaredParam = (name: string) => declared.find((p) => p.name === name);
  for (const name of Object.keys(file.parameters)) {
    assert.ok(declared.some((p) => p.name === name), `main.parameters.json sets ${name}, which main.bicep does not declare`);
  }
  for (const p of declared.filter((d) => !d.hasDefault)) {
    assert.ok(p.name in file.parameters, `main.bicep parameter ${p.name} has no default and no value`);
  }
  assert.equal(file.parameters.environmentName?.value, '${AZURE_ENV_NAME}');
  assert.equal(file.parameters.location?.value, '${AZURE_LOCATION}');
  assert.equal(file.parameters.principalId?.value, '${AZURE_PRINCIPAL_ID}');
  // the deploy's choices, as azd environment variables (azd env set NAME value), with the Bicep defaults
  const azdVariables: Record<string, string> = {
    entraClientId: '${ENTRA_CLIENT_ID}',
    grantMailPermissions: '${GRANT_MAIL_PERMISSIONS=false}',
    alwaysReadyInstances: '${ALWAYS_READY_INSTANCES=1}',
    alertEmail: '${ALERT_EMAIL}',
    failFolderRatePercent: '${ALERT_FAIL_FOLDER_RATE_PERCENT=20}',
    failFolderMinimumMails: '${ALERT_FAIL_FOLDER_MINIMUM_MAILS=10}',
    graphThrottledPer5Minutes: '${ALERT_GRAPH_THROTTLED_PER_5_MINUTES=20}',
  };
  for (const [param, value] of Object.entries(azdVariables)) {
    assert.equal(file.parameters[param]?.value, value, param);
    const fallback = /=([^}]*)\}$/.exec(value)?.[1];
    const decl = declaredParam(param);
    if (fallback !== undefined) assert.equal(String(decl?.default && literal(decl.default)), fallback, `${param}: the azd fallback is the Bicep default`);
    else assert.equal(decl?.default?.text, "''", `${param}: empty when the variable is not set`);
  }
});

test('azd gets the outputs it needs to deploy and to debug locally', () => {
  const names = outputs(main());
  for (const o of ['AZURE_LOCATION', 'AZURE_TENANT_ID', 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_NAME', 'SERVICE_API_NAME', ...NEEDED_IN_AZURE.filter((k) => !k.startsWith('AzureWebJobsStorage'))]) {
    assert.ok(names.includes(o), `output ${o}`);
  }
  // Every module input main.bicep names is a literal or an expression Bicep can resolve; none is left empty.
  for (const p of objectParts(moduleParam('api', 'appSettings')).flatMap((o) => properties(o))) {
    const v = literal(p.value);
    assert.ok(v instanceof Expr ? v.text.length > 0 : typeof v === 'string' && v.length > 0, p.key);
  }
});
