// The mail channel in the customer's own subscription, deployed with `azd up`.
//
// One resource group holds: a Function App on the Flex Consumption plan with a
// system-assigned identity, a Storage account (queues and blobs, no shared keys),
// Cosmos DB for NoSQL (serverless, no keys), Key Vault (RBAC) for channel secrets,
// Application Insights with Log Analytics, and the role assignments between them.
// Every connection is identity-based: no connection string or key is an app setting.
// In Entra ID (Microsoft Graph Bicep extension, bicepconfig.json): the admin sign-in app
// registration and, when allowed, the Graph mail permissions of the app's identity.
// Alerts on the app's telemetry go to the admin's address when one is given.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource. Must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of whoever runs azd (AZURE_PRINCIPAL_ID). Gets the same data roles as the app, to debug locally against these resources, and (a user) the admin role MailChannel.Admin. Empty: none.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of principalId: a person, or a pipeline\'s service principal.')
param principalType string = 'User'

@description('Client id of an Entra app registration you bring for admin sign-in (App Service Authentication). Empty: this deployment creates one (app/entra.bicep).')
param entraClientId string = ''

@description('Grant the app\'s identity the Microsoft Graph application permissions Mail.ReadWrite and Mail.Send in this deployment. Needs a Privileged Role Administrator or Global Administrator running azd; false: the output MAIL_PERMISSIONS_COMMAND is the line such an admin runs.')
param grantMailPermissions bool = false

@minValue(0)
@maxValue(10)
@description('Always-ready instances for the HTTP functions, so Graph\'s 10 s validation and 3 s notification deadlines hold on a cold start. 0: none (cheaper; a cold start may miss them).')
param alwaysReadyInstances int = 1

@description('Address the alerts go to (poison mail, a channel to re-authorize, fail-folder rate, Graph subscription failures, Graph throttling). Empty: no alerts are created.')
param alertEmail string = ''

@minValue(1)
@maxValue(100)
@description('Alert when more than this percentage of a channel\'s mail in an hour went to the fail folder.')
param failFolderRatePercent int = 20

@minValue(1)
@description('The fail-folder rate counts only for a channel that finished at least this many mails in the hour.')
param failFolderMinimumMails int = 10

@minValue(1)
@description('Alert when Graph answers more than this many requests per 5 minutes with 429, three windows in a row.')
param graphThrottledPer5Minutes int = 20

@secure()
@description('Admin API key for scripts (azd env set ADMIN_API_KEY <32+ random characters>); kept in Key Vault. Empty: admins sign in through Entra ID (entraClientId) only.')
param adminApiKey string = ''

@allowed([
  '20'
  '22'
])
@description('Node.js version of the Functions worker.')
param nodeVersion string = '20'

@description('Upper bound of Function App instances; Flex Consumption scales out to at most this many.')
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
@description('Memory of one instance, MB.')
param instanceMemoryMB int = 2048

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}mail-${resourceToken}'
// The site's default host name, known before the site exists: the admin app registration's
// redirect URI needs it, and Easy Auth needs that registration.
var appHostName = '${functionAppName}.azurewebsites.net'
var appUrl = 'https://${appHostName}'
// Flex Consumption runs the app from a zip in this blob container.
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

// What the code uses. Each list mirrors one in TypeScript; test/infra checks they agree.
// shared/store/containers.ts: CosmosContainers
var cosmosDatabaseName = 'mailchannel'
var cosmosContainers = [
  {
    name: 'channels'
    partitionKey: '/id'
  }
  {
    name: 'templates'
    partitionKey: '/id'
  }
  {
    name: 'offers'
    partitionKey: '/id'
  }
  {
    name: 'tickets'
    partitionKey: '/ticketId'
  }
  {
    name: 'ledger'
    partitionKey: '/channelId'
  }
  {
    name: 'syncState'
    partitionKey: '/channelId'
  }
  {
    name: 'syncSchedule'
    partitionKey: '/channelId'
  }
  {
    name: 'threadIndex'
    partitionKey: '/channelId'
  }
  {
    name: 'outbox'
    partitionKey: '/channelId'
  }
  {
    name: 'answerCounters'
    partitionKey: '/channelId'
    // -1: items expire by their own `ttl` (a counter lives a few hours)
    defaultTtl: -1
  }
  {
    name: 'channelStats'
    partitionKey: '/channelId'
  }
]
// shared/queue/contracts.ts: allQueueNames (the poison queues too: recordFailure listens on them)
var queueNames = [
  'mailbox-sync'
  'mail-inbound'
  'mail-inbound-poison'
  'mailbox-sync-poison'
  'mail-outbound'
  'mail-outbound-poison'
]
// shared/store/containers.ts: BlobContainers
var blobContainerNames = [
  'raw-mail'
  'attachments'
]

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    appInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    blobContainerNames: concat([deploymentContainerName], blobContainerNames)
    queueNames: queueNames
  }
}

module cosmos 'app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    containers: cosmosContainers
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    adminApiKey: adminApiKey
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyInstances: alwaysReadyInstances
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    // Exactly what shared/config/settings.ts reads, plus the two the Functions host reads
    // for identity-based storage and App Insights. PUBLIC_BASE_URL is added in api.bicep,
    // where the site's host name is known.
    appSettings: union({
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
      AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
      COSMOS_ENDPOINT: cosmos.outputs.endpoint
      COSMOS_DATABASE: cosmosDatabaseName
      KEY_VAULT_URI: keyVault.outputs.uri
      APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
      // Telemetry is sent with the app's identity (App Insights has local auth off).
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
      // Mail connections never reach private or loopback addresses from Azure; set 'true' only
      // for a mail server inside a connected network (link-local/metadata stay refused anyway).
      MAIL_ALLOW_PRIVATE_HOSTS: 'false'
      // The Node.js worker's options (shared/config/worker-node-arguments.ts, kept equal by a
      // test): a young generation of at most 8 MB, so streaming a large mail grows the process less.
      languageWorkers__node__arguments: '--max-semi-space-size=8'
    }, empty(adminApiKey) ? {} : {
      // a Key Vault reference, resolved by the platform with the app's identity
      ADMIN_API_KEY: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.adminApiKeySecretUri})'
    })
  }
}

// Every role assignment, for the app's identity and for the deploying principal.
module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    appPrincipalId: api.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// The admin sign-in app registration, unless the tenant brings its own (entraClientId).
module entra 'app/entra.bicep' = if (empty(entraClientId)) {
  name: 'entra'
  scope: rg
  params: {
    uniqueName: 'mail-channel-admin-${resourceToken}'
    displayName: 'Mail channel admin (${environmentName})'
    appHostName: appHostName
    adminPrincipalId: principalId
    adminPrincipalType: principalType
  }
}
var adminClientId = empty(entraClientId) ? entra.outputs.clientId : entraClientId

// Entra ID sign-in in front of the app. Anonymous requests still pass (Graph notifications
// must), and the app authorizes admin routes itself from x-ms-client-principal.
module auth 'app/auth.bicep' = {
  name: 'auth'
  scope: rg
  params: {
    functionAppName: api.outputs.name
    clientId: adminClientId
  }
}

// Microsoft 365 mail access for the app's identity: granted here when allowed, else a command to run.
module mailAccess 'app/graph-mail-access.bicep' = {
  name: 'mail-access'
  scope: rg
  params: {
    mailAppPrincipalId: api.outputs.principalId
    grant: grantMailPermissions
  }
}

module alerts 'app/alerts.bicep' = if (!empty(alertEmail)) {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmail: alertEmail
    actionGroupName: 'ag-mail-${resourceToken}'
    namePrefix: 'alert-mail-${resourceToken}'
    failFolderRatePercent: failFolderRatePercent
    failFolderMinimumMails: failFolderMinimumMails
    graphThrottledPer5Minutes: graphThrottledPer5Minutes
  }
}

// Read by azd (deploy target, .azure/<env>/.env) and handy for local debugging against Azure.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output PUBLIC_BASE_URL string = api.outputs.uri
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmosDatabaseName
output KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
// For the postprovision hook and the admin (docs/deploy.md).
output ADMIN_PAGE_URL string = '${appUrl}/'
output GRAPH_NOTIFICATION_URL string = '${appUrl}/api/graph/notify'
output ADMIN_APP_CLIENT_ID string = adminClientId
output MAIL_APP_PRINCIPAL_ID string = api.outputs.principalId
output MAIL_PERMISSIONS_GRANTED bool = mailAccess.outputs.granted
output MAIL_PERMISSIONS_COMMAND string = mailAccess.outputs.command
