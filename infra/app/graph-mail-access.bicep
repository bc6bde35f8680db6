// Microsoft 365 mail access for the Function App's managed identity: the Microsoft Graph
// application permissions Mail.ReadWrite and Mail.Send, as app role assignments on Graph's
// service principal. Granting them needs a Privileged Role Administrator (or Global
// Administrator), so it happens only when `grant` is true; otherwise `command` is the exact
// line such an admin runs. Either way, scope the access to the help-desk mailboxes with
// infra/scripts (Exchange Online RBAC for Applications).
extension microsoftGraphV1

@description('Object id of the Function App\'s system-assigned identity.')
param mailAppPrincipalId string
@description('true: grant the permissions in this deployment (the deploying user must be a Privileged Role Administrator).')
param grant bool

// Microsoft Graph's app id, and the ids of its application permissions (app roles), the same in every tenant.
var graphAppId = '00000003-0000-0000-c000-000000000000'
var mailRoles = {
  mailReadWrite: 'e2a3a72e-5f79-4c64-b1b1-878b674786c9'
  mailSend: 'b633e1c5-b582-4048-a93e-9f11b44c7e96'
}

// Graph's service principal in this tenant (its object id differs per tenant).
resource graph 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: graphAppId
}

resource mailReadWrite 'Microsoft.Graph/appRoleAssignedTo@v1.0' = if (grant) {
  appRoleId: mailRoles.mailReadWrite
  principalId: mailAppPrincipalId
  resourceId: graph.id
}

resource mailSend 'Microsoft.Graph/appRoleAssignedTo@v1.0' = if (grant) {
  appRoleId: mailRoles.mailSend
  principalId: mailAppPrincipalId
  resourceId: graph.id
}

// One line for bash (Cloud Shell), run by a Privileged Role Administrator: both assignments, with the
// tenant's Graph service principal filled in; '; ' so the second runs even if the first exists already.
var assignUri = 'https://graph.microsoft.com/v1.0/servicePrincipals/${graph.id}/appRoleAssignedTo'
var grantOne = map(
  [mailRoles.mailReadWrite, mailRoles.mailSend],
  roleId => 'az rest --method POST --uri ${assignUri} --headers Content-Type=application/json --body \'{"principalId":"${mailAppPrincipalId}","resourceId":"${graph.id}","appRoleId":"${roleId}"}\''
)

output granted bool = grant
output command string = grant ? '' : join(grantOne, '; ')
output graphServicePrincipalId string = graph.id
