import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { callsOf, readPowerShell } from './powershell-source';
import { powershellSyntaxProblems } from './powershell-parser';
import { repoRoot } from './bicep';

/**
 * infra/scripts/Set-MailboxScope.ps1 applies Exchange Online RBAC for Applications. No
 * `pwsh` (nor Exchange Online) can run here, so this parses it with tree-sitter-powershell
 * and checks its structure: it calls the Exchange cmdlets with the
 * parameters their reference documents, every change is behind ShouldProcess (-WhatIf) and
 * after a lookup of the same object (a re-run changes nothing), and nothing of one tenant
 * is written into it.
 */
const scriptsDir = path.join(repoRoot, 'infra', 'scripts');
const source = fs.readFileSync(path.join(scriptsDir, 'Set-MailboxScope.ps1'), 'utf8');
const ps = readPowerShell(source);

// Parameter names from each cmdlet's syntax in the Exchange Online PowerShell reference
// (learn.microsoft.com/powershell/module/exchangepowershell/<cmdlet>), plus the common ones.
const common = ['ErrorAction', 'WarningAction', 'Verbose', 'WhatIf', 'Confirm'];
const documented: Record<string, string[]> = {
  'Get-ConnectionInformation': ['ConnectionId', 'ModulePrefix'],
  'Connect-ExchangeOnline': ['UserPrincipalName', 'ShowBanner'],
  'Get-ServicePrincipal': ['Identity', 'Organization'],
  'New-ServicePrincipal': ['AppId', 'ObjectId', 'ServiceId', 'DisplayName', 'Organization'],
  'Get-DistributionGroup': ['Identity', 'ResultSize', 'Filter', 'RecipientTypeDetails'],
  'New-DistributionGroup': ['Name', 'Type', 'PrimarySmtpAddress', 'Members', 'DisplayName', 'Alias'],
  'Get-DistributionGroupMember': ['Identity', 'ResultSize'],
  'Add-DistributionGroupMember': ['Identity', 'Member', 'BypassSecurityGroupManagerCheck'],
  'Get-Recipient': ['Identity', 'ResultSize'],
  'Get-ManagementScope': ['Identity', 'Exclusive', 'Orphan'],
  'New-ManagementScope': ['Name', 'RecipientRestrictionFilter', 'RecipientRoot', 'Exclusive', 'Force'],
  'Set-ManagementScope': ['Identity', 'RecipientRestrictionFilter', 'RecipientRoot', 'Name', 'Force'],
  'Get-ManagementRoleAssignment': ['Identity', 'Role', 'RoleAssignee', 'RoleAssigneeType', 'CustomResourceScope'],
  'New-ManagementRoleAssignment': ['Name', 'App', 'Role', 'CustomResourceScope', 'RecipientAdministrativeUnitScope'],
  'Set-ManagementRoleAssignment': ['Identity', 'CustomResourceScope', 'Enabled'],
  'Test-ServicePrincipalAuthorization': ['Identity', 'Resource', 'Organization'],
};

/** The cmdlets that change the tenant, and the lookup each must follow. */
const changes: Array<{ change: string; lookup: string }> = [
  { change: 'New-ServicePrincipal', lookup: 'Get-ServicePrincipal' },
  { change: 'New-DistributionGroup', lookup: 'Get-DistributionGroup' },
  { change: 'Add-DistributionGroupMember', lookup: 'Get-DistributionGroupMember' },
  { change: 'New-ManagementScope', lookup: 'Get-ManagementScope' },
  { change: 'Set-ManagementScope', lookup: 'Get-ManagementScope' },
  { change: 'New-ManagementRoleAssignment', lookup: 'Get-ManagementRoleAssignment' },
  { change: 'Set-ManagementRoleAssignment', lookup: 'Get-ManagementRoleAssignment' },
];

test('the structural reader finds an unclosed string, bracket or here-string and passes well-formed PowerShell', () => {
  assert.deepEqual(readPowerShell("if ($a) { Write-Host 'it''s \"fine\"' }\n$b = \"x $($c + ')') `\" y\"\n@'\nno ) here\n'@\n").problems, []);
  assert.ok(readPowerShell("if ($a) { Write-Host 'x' \n").problems.length > 0);
  assert.ok(readPowerShell("Write-Host \"unclosed $(1)\n").problems.length > 0);
  assert.ok(readPowerShell('$x = @(1, 2]').problems.length > 0);
  assert.deepEqual(
    callsOf(readPowerShell("New-Thing -A $x.ToString() -B 'y)' | Out-Null").code, 'New-Thing').map((c) => c.parameters),
    [['A', 'B']],
  );
});

test('the PowerShell parse finds a syntax error and says where', async () => {
  const problems = await powershellSyntaxProblems("function F {\n  if ($a) { Write-Host 'x'\n}\n");
  assert.ok(problems.length > 0);
  assert.deepEqual(await powershellSyntaxProblems("param([string] $A = 'x')\nif ($A) { Write-Host \"$($A.Length)\" }\n"), []);
});

test('Set-MailboxScope.ps1 parses as PowerShell without syntax errors', async () => {
  const problems = await powershellSyntaxProblems(source);
  assert.deepEqual(problems.map((p) => `Set-MailboxScope.ps1:${p.line}:${p.column} ${JSON.stringify(p.text)}`), []);
  assert.deepEqual(ps.problems, [], 'and the structural reader the checks below use reads it whole');
});

test('the scope script needs PowerShell 7 and the ExchangeOnlineManagement module, and supports -WhatIf', () => {
  assert.match(source, /^#Requires -Version 7/m);
  assert.match(source, /^#Requires -Modules .*ExchangeOnlineManagement/m);
  assert.match(ps.code, /\[CmdletBinding\(SupportsShouldProcess = \$true/);
  assert.match(ps.code, /^param\(/m);
});

test('the scope script calls each Exchange cmdlet only with the parameters its reference documents', () => {
  const used = Object.keys(documented).flatMap((cmd) => callsOf(ps.code, cmd));
  const wrong = used.flatMap((call) => call.parameters
    .filter((p) => !p.startsWith('@') && ![...documented[call.command]!, ...common].includes(p))
    .map((p) => `line ${call.line}: ${call.command} -${p}`));
  assert.deepEqual(wrong, []);
  // Everything the script runs that looks like an Exchange or Entra cmdlet is in the table above.
  const verbs = /\b(?:Get|New|Set|Add|Remove|Test|Connect)-(?:Management\w+|ServicePrincipal\w*|DistributionGroup\w*|Recipient|ExchangeOnline|ConnectionInformation|Mailbox\w*|Mg\w+)\b/g;
  const unknown = [...new Set(ps.code.match(verbs) ?? [])].filter((c) => !(c in documented));
  assert.deepEqual(unknown, []);
});

test('RBAC for Applications is applied as documented: a service principal pointer, a group scope, two scoped roles, and a test', () => {
  const [sp] = callsOf(ps.code, 'New-ServicePrincipal');
  assert.deepEqual(sp?.parameters.sort(), ['AppId', 'DisplayName', 'ObjectId']);

  const [scope] = callsOf(ps.code, 'New-ManagementScope');
  assert.deepEqual(scope?.parameters.sort(), ['Name', 'RecipientRestrictionFilter']);
  assert.ok(ps.strings.some((s) => s.startsWith('MemberOfGroup -eq ')), 'the scope filters on membership of the group (by its distinguished name)');

  const [assignment] = callsOf(ps.code, 'New-ManagementRoleAssignment');
  assert.deepEqual(assignment?.parameters.sort(), ['App', 'CustomResourceScope', 'Name', 'Role']);
  assert.deepEqual(
    ps.strings.filter((s) => /^Application Mail\.\w+$/.test(s)).sort(),
    ['Application Mail.ReadWrite', 'Application Mail.Send'],
  );

  const tests = callsOf(ps.code, 'Test-ServicePrincipalAuthorization');
  assert.ok(tests.some((t) => t.parameters.includes('Resource')), 'tests the authorization against a mailbox');
  const lastChange = Math.max(...changes.flatMap(({ change }) => callsOf(ps.code, change).map((c) => c.line)));
  assert.ok(tests.some((t) => t.parameters.includes('Resource') && t.line > lastChange), 'the mailbox test runs after every change');
});

test('every change is behind ShouldProcess and follows a lookup of the same object, so -WhatIf changes nothing and a re-run is a no-op', () => {
  const lines = ps.code.split('\n');
  for (const { change, lookup } of changes) {
    const calls = callsOf(ps.code, change);
    assert.ok(calls.length > 0, `${change} is used`);
    for (const call of calls) {
      const guard = lines.slice(0, call.line - 1).reverse().find((l) => l.trim() !== '');
      assert.match(guard ?? '', /if \(\$PSCmdlet\.ShouldProcess\(/, `line ${call.line}: ${change} runs only if ShouldProcess says so`);
      const firstLookup = Math.min(...callsOf(ps.code, lookup).map((c) => c.line));
      assert.ok(firstLookup < call.line, `line ${call.line}: ${change} comes after ${lookup}`);
    }
  }
});

test('nothing of one tenant is written into the scope script: ids, domains and names are parameters', () => {
  const guid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
  assert.deepEqual(ps.code.match(guid) ?? [], [], 'no GUID in the code');
  const hasGuid = new RegExp(guid.source, 'i');
  assert.deepEqual(ps.strings.filter((s) => hasGuid.test(s)), [], 'no GUID in a string');
  assert.deepEqual(ps.strings.filter((s) => /@[\w-]+\.[\w.]+|onmicrosoft\.com|DC=|OU=/i.test(s)), [], 'no address, tenant domain or directory path in a string');
  // The help's example uses only placeholders.
  for (const comment of ps.comments) {
    for (const id of comment.match(guid) ?? []) assert.match(id, /^0{8}-0{4}-0{4}-0{4}-0{11}\d$/, `placeholder id in the help: ${id}`);
    for (const domain of comment.match(/@[\w-]+\.[\w.]+/g) ?? []) assert.equal(domain, '@contoso.com');
  }
});

test('the scope script\'s help says who may run it and that a tenant-wide Graph grant adds to the scope', () => {
  const help = ps.comments.join('\n');
  for (const heading of ['.SYNOPSIS', '.DESCRIPTION', '.PARAMETER AppId', '.PARAMETER ObjectId', '.PARAMETER Group', '.EXAMPLE']) {
    assert.ok(help.includes(heading), heading);
  }
  assert.match(help, /Organization Management/);
  assert.match(help, /Exchange Administrator/);
  assert.match(help, /GRANT_MAIL_PERMISSIONS/);
  assert.match(help, /MAIL_APP_PRINCIPAL_ID/);
  assert.match(help, /TENANT-WIDE GRANTS ADD TO THIS/);
});
