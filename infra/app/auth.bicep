// App Service Authentication (Easy Auth) with Entra ID, for admin sign-in.
// Requests without a session still reach the app (AllowAnonymous): Graph change
// notifications and the health probe are anonymous, and the app authorizes admin
// routes itself from x-ms-client-principal (app role MailChannel.Admin).
param functionAppName string
@description('Client id of the Entra app registration for admin sign-in.')
param clientId string

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: clientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            clientId
            'api://${clientId}'
          ]
        }
      }
    }
    login: {
      // Flex Consumption has no persistent file system for a token store; the app
      // needs only the signed-in principal, which Easy Auth passes on every request.
      tokenStore: {
        enabled: false
      }
    }
  }
}
