// The Entra app registration admins sign in with (App Service Authentication), its
// service principal, and the admin role for whoever deploys. Created with the Microsoft
// Graph Bicep extension (bicepconfig.json), so no portal step and no secret: Easy Auth
// signs in with ID tokens (implicit grant of id_token only), which need no client secret.
extension microsoftGraphV1

@description('Stable unique name of the app registration in the tenant (Bicep\'s key for it: a redeploy updates the same app).')
param uniqueName string
param displayName string
@description('Default host name of the Function App (<name>.azurewebsites.net), for the sign-in redirect URI.')
param appHostName string
@description('Object id of the deploying user; gets the admin role. Empty: nobody yet.')
param adminPrincipalId string = ''
@description('Only a user can hold the role (allowedMemberTypes User); a pipeline\'s service principal is skipped.')
param adminPrincipalType string = 'User'

// The app role the app checks in x-ms-client-principal (shared/http/admin-auth.ts). Its id is
// fixed: a new id on redeploy would drop every admin's assignment.
var adminRole = {
  id: '5f0b3c6e-8d2a-4f7b-9c41-2e6a1d7b9a53'
  value: 'MailChannel.Admin'
}
// Microsoft Graph's app id and its delegated User.Read scope (sign-in and the user's profile).
var graphAppId = '00000003-0000-0000-c000-000000000000'
var userReadScopeId = 'e1fe6dd8-ba31-4d61-89e7-88639da4683d'

resource adminApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  signInAudience: 'AzureADMyOrg'
  web: {
    redirectUris: [
      'https://${appHostName}/.auth/login/aad/callback'
    ]
    homePageUrl: 'https://${appHostName}/'
    implicitGrantSettings: {
      enableIdTokenIssuance: true
      enableAccessTokenIssuance: false
    }
  }
  appRoles: [
    {
      id: adminRole.id
      value: adminRole.value
      displayName: 'Mail channel administrator'
      description: 'Manages the mail channels, templates and failed mail of this deployment.'
      allowedMemberTypes: [
        'User'
      ]
      isEnabled: true
    }
  ]
  requiredResourceAccess: [
    {
      resourceAppId: graphAppId
      resourceAccess: [
        {
          id: userReadScopeId
          type: 'Scope'
        }
      ]
    }
  ]
}

resource adminSp 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: adminApp.appId
}

resource adminRoleForDeployer 'Microsoft.Graph/appRoleAssignedTo@v1.0' = if (!empty(adminPrincipalId) && adminPrincipalType == 'User') {
  appRoleId: adminRole.id
  principalId: adminPrincipalId
  resourceId: adminSp.id
}

output clientId string = adminApp.appId
output adminRoleValue string = adminRole.value
