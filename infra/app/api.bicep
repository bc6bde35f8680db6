// The Function App on the Flex Consumption plan (FC1), Linux, Node.js, with a
// system-assigned identity. Flex runs the app from a zip in a blob container and
// fetches it with that identity; the storage account allows no shared keys.
param name string
param planName string
param location string
param tags object
@description('azure.yaml service this app hosts; azd finds the app by this tag.')
param serviceName string
param nodeVersion string
param maximumInstanceCount int
param instanceMemoryMB int
@description('Instances kept warm for the HTTP functions (0 = none, scale from zero).')
param alwaysReadyInstances int
@description('URL of the blob container that holds the deployment package.')
param deploymentContainerUrl string
@description('App settings; PUBLIC_BASE_URL is added here.')
param appSettings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': serviceName
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        // Graph drops a subscription whose validation is not answered within 10 s and retries,
        // then drops, notifications not acknowledged within 3 s; a cold start can take longer.
        // 'http' is the group of every HTTP-triggered function (Graph notify and lifecycle,
        // admin API, health); queue and timer functions still scale from zero.
        alwaysReady: alwaysReadyInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyInstances
              }
            ]
          : []
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// Flex Consumption sets the worker runtime and extension version itself (from
// functionAppConfig): FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION must not be set.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, {
    // Where Graph sends change notifications (subscriptions are created by the app).
    PUBLIC_BASE_URL: 'https://${site.properties.defaultHostName}'
  })
}

output name string = site.name
output uri string = 'https://${site.properties.defaultHostName}'
output principalId string = site.identity.principalId
