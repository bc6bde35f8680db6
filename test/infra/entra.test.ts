import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ADMIN_ROLE } from '../../shared/http/admin-auth';
import { NotificationRoutes } from '../../shared/notifications/urls';
import {
  Expr, bicep, bicepFiles, infraDir, literal, moduleNamed, outputs, params, prop, propPath, resources, resourcesOfType, variable, type Node,
} from './bicep';

/**
 * The Entra side of the deploy, written with the Microsoft Graph Bicep extension: every
 * Graph resource goes through an extension bicepconfig.json names, the admin sign-in app
 * registration matches what the app checks, and the app's identity holds exactly the
 * roles the code needs — Azure data roles and Graph application permissions.
 */
const main = () => bicep('main.bicep');
const rel = (file: string) => path.relative(infraDir, file);

const bicepConfig = JSON.parse(fs.readFileSync(path.join(infraDir, 'bicepconfig.json'), 'utf8')) as { extensions?: Record<string, string> };

test('every Microsoft Graph resource is declared through the Graph v1.0 extension that bicepconfig.json names', () => {
  const extensions = bicepConfig.extensions ?? {};
  assert.match(extensions.microsoftGraphV1 ?? '', /^br:mcr\.microsoft\.com\/bicep\/extensions\/microsoftgraph\/v1\.0:\d+\.\d+\.\d+$/);
  let graphResources = 0;
  for (const file of bicepFiles()) {
    const f = bicep(rel(file));
    const graph = resources(f).filter((r) => r.target.startsWith('Microsoft.Graph/'));
    graphResources += graph.length;
    for (const alias of f.extensions) {
      assert.ok(alias in extensions || alias.startsWith('br:'), `${rel(file)}: extension ${alias} is not in bicepconfig.json`);
    }
    if (graph.length === 0) {
      assert.deepEqual(f.extensions, [], `${rel(file)} declares an extension it does not use`);
      continue;
    }
    assert.deepEqual(f.extensions, ['microsoftGraphV1'], `${rel(file)} uses Graph resources, so it declares the extension`);
    for (const r of graph) {
      // the v1.0 extension serves exactly these types, at the API version "v1.0"
      assert.match(r.target, /^Microsoft\.Graph\/(applications|servicePrincipals|appRoleAssignedTo|groups|oauth2PermissionGrants|applications\/federatedIdentityCredentials)@v1\.0$/, `${rel(file)}: ${r.name}`);
    }
  }
  assert.ok(graphResources >= 5, 'the admin app, its service principal, the role assignments and Graph\'s service principal');
});

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('the admin app registration has the role the app checks, for users, and signs in at the app\'s Easy Auth callback', () => {
  const entra = bicep('app/entra.bicep');
  const [app] = resourcesOfType(entra, 'Microsoft.Graph/applications');
  assert.ok(app);
  assert.ok(literal(prop(app.body, 'uniqueName') as Node) instanceof Expr, 'uniqueName comes from a parameter (a redeploy updates the same app)');
  assert.equal(literal(prop(app.body, 'signInAudience') as Node), 'AzureADMyOrg');

  const role = literal(variable(entra, 'adminRole')) as { id: string; value: string };
  assert.equal(role.value, ADMIN_ROLE);
  assert.match(role.id, GUID, 'the role id is a fixed GUID: a new one on redeploy would drop every assignment');
  const [appRole] = literal(prop(app.body, 'appRoles') as Node) as Record<string, unknown>[];
  assert.equal(String((appRole?.id as Expr).text), 'adminRole.id');
  assert.equal(String((appRole?.value as Expr).text), 'adminRole.value');
  assert.deepEqual(appRole?.allowedMemberTypes, ['User']);
  assert.equal(appRole?.isEnabled, true);

  // Easy Auth without a client secret signs in with ID tokens.
  assert.deepEqual(literal(propPath(app.body, 'web', 'implicitGrantSettings') as Node), { enableIdTokenIssuance: true, enableAccessTokenIssuance: false });
  const [redirect] = literal(propPath(app.body, 'web', 'redirectUris') as Node) as Expr[];
  assert.equal(redirect?.text, "'https://${appHostName}/.auth/login/aad/callback'");
  // The host name is the site's default one, known from its name before the site exists.
  assert.equal(propPath(moduleNamed(main(), 'entra').body, 'params', 'appHostName')?.text, 'appHostName');
  assert.equal(variable(main(), 'appHostName').text, "'${functionAppName}.azurewebsites.net'");
  assert.equal(propPath(moduleNamed(main(), 'api').body, 'params', 'name')?.text, 'functionAppName');

  // its service principal, and the role for the deploying user (a person; a pipeline gets none)
  const [sp] = resourcesOfType(entra, 'Microsoft.Graph/servicePrincipals');
  assert.equal(prop(sp?.body, 'appId')?.text, 'adminApp.appId');
  const [assignment] = resourcesOfType(entra, 'Microsoft.Graph/appRoleAssignedTo');
  assert.equal(assignment?.condition, "(!empty(adminPrincipalId) && adminPrincipalType == 'User')");
  assert.equal(prop(assignment?.body, 'appRoleId')?.text, 'adminRole.id');
  assert.equal(prop(assignment?.body, 'resourceId')?.text, 'adminSp.id');
  const entraParams = propPath(moduleNamed(main(), 'entra').body, 'params');
  assert.equal(prop(entraParams, 'adminPrincipalId')?.text, 'principalId');
  assert.equal(prop(entraParams, 'adminPrincipalType')?.text, 'principalType');
  assert.deepEqual(outputs(entra), ['clientId', 'adminRoleValue']);
});

// Every role the app's own identity holds, and why the code needs it. Nothing more.
const AZURE_DATA_ROLES = [
  { role: 'Storage Blob Data Owner', id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', why: 'host state, deployment package, raw mail, attachments' },
  { role: 'Storage Queue Data Contributor', id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88', why: 'queue triggers, poison queues, enqueueing' },
  { role: 'Monitoring Metrics Publisher', id: '3913510d-42f4-4e42-8a64-420c390055eb', why: 'Entra-authenticated telemetry' },
  { role: 'Key Vault Secrets Officer', id: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7', why: 'channel secrets written and deleted by the app' },
];
const COSMOS_DATA_ROLES = [{ role: 'Cosmos DB Built-in Data Contributor', id: '00000000-0000-0000-0000-000000000002' }];
const GRAPH_APP_ROLES = [
  { permission: 'Mail.ReadWrite', id: 'e2a3a72e-5f79-4c64-b1b1-878b674786c9', why: 'list, read and move mail in the channel mailboxes' },
  { permission: 'Mail.Send', id: 'b633e1c5-b582-4048-a93e-9f11b44c7e96', why: 'auto-responses from the channel mailbox: the Graph sender behind shared/outbound/mail-sender.ts' },
];
const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

test('the app\'s identity holds exactly the roles the code needs: these Azure data roles and the Graph permissions Mail.ReadWrite and Mail.Send', () => {
  const rbac = bicep('app/rbac.bicep');
  const roleIds = Object.values(literal(variable(rbac, 'roles')) as Record<string, string>).sort();
  assert.deepEqual(roleIds, AZURE_DATA_ROLES.map((r) => r.id).sort(), 'rbac.bicep assigns exactly the table\'s Azure roles');
  assert.equal(resourcesOfType(rbac, 'Microsoft.Authorization/roleAssignments').length, AZURE_DATA_ROLES.length, 'one assignment per role');
  assert.deepEqual([literal(variable(rbac, 'cosmosDataContributor'))], COSMOS_DATA_ROLES.map((r) => r.id));
  assert.equal(resourcesOfType(rbac, 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments').length, COSMOS_DATA_ROLES.length);
  // no other file assigns Azure roles
  for (const file of bicepFiles().filter((f) => rel(f) !== path.join('app', 'rbac.bicep'))) {
    assert.deepEqual(resourcesOfType(bicep(rel(file)), 'Microsoft.Authorization/roleAssignments').map((r) => r.name), [], rel(file));
  }

  const access = bicep('app/graph-mail-access.bicep');
  assert.equal(literal(variable(access, 'graphAppId')), MICROSOFT_GRAPH_APP_ID);
  const mailRoles = literal(variable(access, 'mailRoles')) as Record<string, string>;
  assert.deepEqual(Object.values(mailRoles).sort(), GRAPH_APP_ROLES.map((r) => r.id).sort());
  const [graph] = resourcesOfType(access, 'Microsoft.Graph/servicePrincipals');
  assert.equal(graph?.name, 'graph');
  assert.equal(prop(graph?.body, 'appId')?.text, 'graphAppId');
  assert.match(graph?.target ?? '', /@v1\.0$/);
  assert.match(fs.readFileSync(path.join(infraDir, 'app', 'graph-mail-access.bicep'), 'utf8'), /resource graph 'Microsoft\.Graph\/servicePrincipals@v1\.0' existing =/, 'Graph\'s service principal is looked up, never created');
  const grants = resourcesOfType(access, 'Microsoft.Graph/appRoleAssignedTo');
  assert.deepEqual(grants.map((g) => prop(g.body, 'appRoleId')?.text).sort(), Object.keys(mailRoles).map((k) => `mailRoles.${k}`).sort());
  for (const g of grants) {
    assert.equal(g.condition, '(grant)', 'granted only when the deployment is allowed to');
    assert.equal(prop(g.body, 'principalId')?.text, 'mailAppPrincipalId');
    assert.equal(prop(g.body, 'resourceId')?.text, 'graph.id');
  }
  // the principal is the Function App's own identity; no other Graph permission is granted anywhere
  const mailAccess = propPath(moduleNamed(main(), 'mailAccess').body, 'params');
  assert.equal(prop(mailAccess, 'mailAppPrincipalId')?.text, 'api.outputs.principalId');
  assert.equal(prop(mailAccess, 'grant')?.text, 'grantMailPermissions');
  const appRoleAssignments = bicepFiles().flatMap((f) => resourcesOfType(bicep(rel(f)), 'Microsoft.Graph/appRoleAssignedTo').map((r) => `${rel(f)}:${r.name}`));
  assert.deepEqual(appRoleAssignments.sort(), ['app/entra.bicep:adminRoleForDeployer', 'app/graph-mail-access.bicep:mailReadWrite', 'app/graph-mail-access.bicep:mailSend']);
});

test('mail permissions need an explicit yes, and without it the output is the one line an admin runs, with the ids filled in', () => {
  const grant = params(main()).find((p) => p.name === 'grantMailPermissions');
  assert.equal(grant?.type, 'bool');
  assert.equal(grant?.default && literal(grant.default), false);
  const access = bicep('app/graph-mail-access.bicep');
  const source = fs.readFileSync(path.join(infraDir, 'app', 'graph-mail-access.bicep'), 'utf8');
  assert.match(source, /output command string = grant \? '' : join\(grantOne, '; '\)/);
  assert.match(source, /output granted bool = grant\n/);
  const uri = literal(variable(access, 'assignUri')) as Expr;
  assert.equal(uri.text, "'https://graph.microsoft.com/v1.0/servicePrincipals/${graph.id}/appRoleAssignedTo'");
  const perRole = variable(access, 'grantOne').text;
  assert.match(perRole, /\[mailRoles\.mailReadWrite, mailRoles\.mailSend\]/);
  assert.ok(
    perRole.includes("'az rest --method POST --uri ${assignUri} --headers Content-Type=application/json --body \\'{\"principalId\":\"${mailAppPrincipalId}\",\"resourceId\":\"${graph.id}\",\"appRoleId\":\"${roleId}\"}\\''"),
    perRole,
  );

  // Rendered as Bicep would for a tenant: a bash line whose bodies are the assignments Graph expects.
  const template = /roleId => '(.*)'\s*\)$/s.exec(perRole)?.[1] ?? '';
  const ids = { principal: '11111111-1111-1111-1111-111111111111', graph: '22222222-2222-2222-2222-222222222222' };
  const render = (roleId: string) =>
    template
      .replace(/\\'/g, "'")
      .replaceAll('${assignUri}', `https://graph.microsoft.com/v1.0/servicePrincipals/${ids.graph}/appRoleAssignedTo`)
      .replaceAll('${mailAppPrincipalId}', ids.principal)
      .replaceAll('${graph.id}', ids.graph)
      .replaceAll('${roleId}', roleId);
  for (const { id } of GRAPH_APP_ROLES) {
    const line = render(id);
    assert.match(line, /^az rest --method POST --uri https:\/\/graph\.microsoft\.com\/v1\.0\/servicePrincipals\/2{8}-[0-9-]+\/appRoleAssignedTo --headers Content-Type=application\/json --body '[^']+'$/);
    const body = JSON.parse(/--body '([^']+)'$/.exec(line)?.[1] ?? '') as unknown;
    assert.deepEqual(body, { principalId: ids.principal, resourceId: ids.graph, appRoleId: id });
  }
});

test('the deploy outputs what the postprovision hook and the deploy guide use', () => {
  const out = outputs(main());
  for (const o of ['ADMIN_PAGE_URL', 'GRAPH_NOTIFICATION_URL', 'ADMIN_APP_CLIENT_ID', 'MAIL_APP_PRINCIPAL_ID', 'MAIL_PERMISSIONS_GRANTED', 'MAIL_PERMISSIONS_COMMAND']) {
    assert.ok(out.includes(o), `output ${o}`);
  }
  const text = fs.readFileSync(path.join(infraDir, 'main.bicep'), 'utf8');
  assert.match(text, /^output ADMIN_PAGE_URL string = '\$\{appUrl\}\/'$/m);
  assert.ok(text.includes(`output GRAPH_NOTIFICATION_URL string = '\${appUrl}/api/${NotificationRoutes.notify}'`), 'the notify route the code serves');
  assert.match(text, /^output ADMIN_APP_CLIENT_ID string = adminClientId$/m);
  assert.match(text, /^output MAIL_APP_PRINCIPAL_ID string = api\.outputs\.principalId$/m);
  assert.match(text, /^output MAIL_PERMISSIONS_GRANTED bool = mailAccess\.outputs\.granted$/m);
  assert.match(text, /^output MAIL_PERMISSIONS_COMMAND string = mailAccess\.outputs\.command$/m);
  assert.equal(variable(main(), 'appUrl').text, "'https://${appHostName}'");
});

test('the HTTP functions keep always-ready instances on Flex Consumption unless turned off', () => {
  const p = params(main()).find((d) => d.name === 'alwaysReadyInstances');
  assert.equal(p?.type, 'int');
  assert.equal(p?.default && literal(p.default), 1);
  assert.equal(propPath(moduleNamed(main(), 'api').body, 'params', 'alwaysReadyInstances')?.text, 'alwaysReadyInstances');
  const [site] = resourcesOfType(bicep('app/api.bicep'), 'Microsoft.Web/sites');
  const alwaysReady = propPath(site?.body, 'properties', 'functionAppConfig', 'scaleAndConcurrency', 'alwaysReady');
  assert.ok(alwaysReady, 'scaleAndConcurrency.alwaysReady');
  // 0 turns it off; otherwise one entry for the group of every HTTP-triggered function
  assert.match(alwaysReady.text, /^alwaysReadyInstances > 0\s*\?/);
  const [entry] = alwaysReady.namedChildren.filter((c) => c.type === 'array').flatMap((a) => a.namedChildren.filter((c) => c.type === 'object'));
  assert.ok(entry);
  assert.equal(literal(prop(entry, 'name') as Node), 'http');
  assert.equal(prop(entry, 'instanceCount')?.text, 'alwaysReadyInstances');
});
