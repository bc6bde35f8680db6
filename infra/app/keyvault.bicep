// Key Vault for channel secrets (passwords, client secrets, refresh tokens).
// RBAC mode: no access policies; the app writes secrets as Key Vault Secrets Officer
// (rbac.bicep). Cosmos only ever holds a reference to a secret here.
param name string
param location string
param tags object

@secure()
@description('The admin API key to keep in the vault; empty = none (admins sign in with Entra ID only).')
param adminApiKey string = ''

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

// The admin key for scripts and automation, referenced by the app setting ADMIN_API_KEY
// (a Key Vault reference: the value never appears in the app's configuration).
resource adminKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(adminApiKey)) {
  parent: vault
  name: 'admin-api-key'
  properties: {
    value: adminApiKey
    contentType: 'text/plain'
  }
}

output name string = vault.name
output adminApiKeySecretUri string = empty(adminApiKey) ? '' : '${vault.properties.vaultUri}secrets/admin-api-key'
output uri string = vault.properties.vaultUri
