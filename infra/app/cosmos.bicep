// Cosmos DB for NoSQL, serverless: the app's configuration, tickets, ledger and sync state.
// Keys are disabled (disableLocalAuth): the app reaches it with its identity through
// data-plane RBAC (sqlRoleAssignments in rbac.bicep). Data-plane RBAC cannot create
// databases or containers, so every container the code uses is created here.
param name string
param location string
param tags object
param databaseName string
@description('Containers as { name, partitionKey }.')
param containers array

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    // Point-in-time restore for the last 7 days (the free continuous tier).
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

// One at a time: parallel container creation on one account can hit control-plane conflicts.
@batchSize(1)
resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [for c in containers: {
  parent: database
  name: c.name
  properties: {
    resource: {
      id: c.name
      partitionKey: {
        paths: [
          c.partitionKey
        ]
        kind: 'Hash'
        version: 2
      }
      defaultTtl: contains(c, 'defaultTtl') ? c.defaultTtl : null
    }
  }
}]

output name string = account.name
output endpoint string = account.properties.documentEndpoint
