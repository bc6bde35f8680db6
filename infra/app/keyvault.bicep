// Key Vault for channel secrets (passwords, client secrets, refresh tokens).
// RBAC mode: no access policies; the app writes secrets as Key Vault Secrets Officer
// (rbac.bicep). Cosmos only ever holds a reference to a secret here.
param name string
param location string
param tags object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    publicNetworkAccess: 'Enabled'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
