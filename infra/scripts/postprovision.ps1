#Requires -Version 7.0
# azd postprovision hook (Windows; postprovision.sh is the same for posix): prints where the
# deployed channel answers and what an admin still has to do in the tenant. It only reads the
# azd environment and prints; it changes nothing, so it can run after every `azd provision`.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# `azd env get-values` prints KEY="value" lines (a quote or backslash inside is escaped with a
# backslash). azd also passes these values to hooks as environment variables: those are the
# fallback when azd is not on PATH.
$values = @{}
if (Get-Command azd -ErrorAction SilentlyContinue) {
    foreach ($line in @(azd env get-values 2>$null)) {
        if ($line -match '^([A-Za-z_][A-Za-z0-9_]*)=(.*)$') {
            $v = $Matches[2]
            if ($v.Length -ge 2 -and $v.StartsWith('"') -and $v.EndsWith('"')) {
                $v = [regex]::Replace($v.Substring(1, $v.Length - 2), '\\(.)', '$1')
            }
            $values[$Matches[1]] = $v
        }
    }
}
function Get-Value([string] $Key) {
    if ($values.ContainsKey($Key) -and $values[$Key]) { return $values[$Key] }
    $fromEnv = [Environment]::GetEnvironmentVariable($Key)
    if ($fromEnv) { return $fromEnv }
    return ''
}

$adminUrl = Get-Value 'ADMIN_PAGE_URL'
$notifyUrl = Get-Value 'GRAPH_NOTIFICATION_URL'
$apiUri = Get-Value 'SERVICE_API_URI'
$principal = Get-Value 'MAIL_APP_PRINCIPAL_ID'
$granted = Get-Value 'MAIL_PERMISSIONS_GRANTED'
$grantCommand = Get-Value 'MAIL_PERMISSIONS_COMMAND'
$adminClient = Get-Value 'ADMIN_APP_CLIENT_ID'

# Exchange needs the enterprise application's AppId beside its object id. Bicep cannot
# output it (a system-assigned identity exposes only its object id); Entra knows it.
$appId = ''
if ($principal -and (Get-Command az -ErrorAction SilentlyContinue)) {
    $appId = "$(az ad sp show --id $principal --query appId -o tsv 2>$null)".Trim()
}
if (-not $appId) { $appId = "`$(az ad sp show --id $principal --query appId -o tsv)" }

$missing = '(not in the azd environment: run azd provision)'
function Show([string] $Label, [string] $Value) {
    if (-not $Value) { $Value = $missing }
    Write-Host ('  {0,-26} {1}' -f $Label, $Value)
}

Write-Host ''
Write-Host 'Mail channel provisioned.'
Show 'Admin page:' $adminUrl
Show 'Graph notification URL:' $notifyUrl
if ($apiUri) { Show 'Health check:' "$apiUri/api/health" }
if ($adminClient) { Show 'Admin sign-in app id:' $adminClient }
Write-Host ''

if ($granted -ieq 'true') {
    Write-Host @'
Microsoft Graph Mail.ReadWrite and Mail.Send are granted to the app's identity
tenant-wide: it can read and send in every mailbox. Nothing is left to do for
Microsoft 365 channels. To limit it to the help-desk mailboxes instead, see
docs/deploy.md (Scoped mailbox access): the tenant-wide grant must be removed, since
an Exchange scope adds to it and cannot narrow it.
'@
}
else {
    if (-not $grantCommand) { $grantCommand = '(MAIL_PERMISSIONS_COMMAND is not in the azd environment: run azd provision)' }
    Write-Host @"
Still to do for Microsoft 365 channels (IMAP channels need nothing more). Choose one:

  A. Only the help-desk mailboxes (recommended). An Exchange Administrator runs, in
     PowerShell 7 with the ExchangeOnlineManagement module (-WhatIf first to preview):

     pwsh ./infra/scripts/Set-MailboxScope.ps1 -AppId $appId -ObjectId $principal -Group <helpdesk-group@your-domain> -CreateGroup -Mailboxes <helpdesk@your-domain>

     and does NOT run command B: a tenant-wide grant would add to the scope.

  B. Every mailbox in the tenant. A Privileged Role Administrator runs:

     $grantCommand

     (or sets GRANT_MAIL_PERMISSIONS=true and runs azd provision).
"@
}
Write-Host ''
Write-Host 'Next: create the first channel (docs/deploy.md, "Create the first channel").'
