#Requires -Version 7.0
#Requires -Modules @{ ModuleName = 'ExchangeOnlineManagement'; ModuleVersion = '3.2.0' }
<#
.SYNOPSIS
Limits the mail channel's identity to the help-desk mailboxes with Exchange Online RBAC for
Applications: it can read, change and send mail there, and nowhere else.

.DESCRIPTION
Applies, in Exchange Online (each step looks first and changes only what differs, so a
second run changes nothing):

  1. a pointer to the Function App's managed identity (New-ServicePrincipal; Exchange needs
     the enterprise application's AppId and ObjectId);
  2. a mail-enabled security group holding the help-desk mailboxes (created with
     -CreateGroup, or an existing one), with the -Mailboxes added as direct members;
  3. a management scope over that group's members
     (New-ManagementScope -RecipientRestrictionFilter "MemberOfGroup -eq '<group DN>'");
  4. the role assignments "Application Mail.ReadWrite" and "Application Mail.Send" for the
     identity, limited to that scope (New-ManagementRoleAssignment -App -Role
     -CustomResourceScope);

then shows Test-ServicePrincipalAuthorization for a mailbox inside the scope and, with
-OutOfScopeMailbox, one outside it. Exchange caches application permissions: a change can
take up to two hours to apply to the running app.

WHO RUNS IT: a member of the Exchange Online role group "Organization Management" (which
holds the delegating assignment of the Application roles), or a holder of the Entra ID role
Exchange Administrator (which makes you one). No Azure role and no other Entra role needed.

TENANT-WIDE GRANTS ADD TO THIS, THEY ARE NOT NARROWED BY IT. Exchange RBAC for Applications
is independent of the Microsoft Graph application permissions granted in Entra ID: if the
identity also holds Graph Mail.ReadWrite or Mail.Send there (azd variable
GRANT_MAIL_PERMISSIONS=true, or MAIL_PERMISSIONS_COMMAND run by hand), it can still reach
every mailbox, whatever this script does. Scoped access therefore means: leave
GRANT_MAIL_PERMISSIONS false, do not run MAIL_PERMISSIONS_COMMAND, and run this script
instead. If the tenant-wide grant was made earlier, remove it (Entra admin center >
Enterprise applications > the Function App's identity > Permissions, or docs/deploy.md)
before relying on the scope. This script warns about role assignments of the identity in
Exchange that are not limited to a scope; it cannot see Entra grants.

Every change goes through ShouldProcess: -WhatIf shows what would change and changes
nothing; -Confirm asks before each change.

.PARAMETER AppId
Application (client) id of the Function App's managed identity, as Entra ID shows it under
Enterprise applications (az ad sp show --id <ObjectId> --query appId -o tsv).

.PARAMETER ObjectId
Object id of that enterprise application (service principal): the azd output
MAIL_APP_PRINCIPAL_ID.

.PARAMETER DisplayName
Name of the service principal pointer in Exchange. Default: "Mail channel (<AppId>)".

.PARAMETER Group
The mail-enabled security group whose members the app may reach: its address, alias or
name. Members must be direct members: Exchange does not expand nested groups in the scope.

.PARAMETER CreateGroup
Create the group if it does not exist (a mail-enabled universal security group named
-Group, or with -Group as its address when it contains '@').

.PARAMETER Mailboxes
Help-desk mailboxes to add to the group (addresses). Existing members are kept.

.PARAMETER ScopeName
Name of the management scope. Default: "Mail channel mailboxes".

.PARAMETER AssignmentPrefix
Start of the role assignments' names ("<prefix> Mail.ReadWrite", "<prefix> Mail.Send").
Default: "Mail channel".

.PARAMETER InScopeMailbox
Mailbox to test as inside the scope. Default: the first of -Mailboxes, else the group's
first member.

.PARAMETER OutOfScopeMailbox
Mailbox to test as outside the scope (any mailbox not in the group).

.PARAMETER UserPrincipalName
Admin account to sign in with (Connect-ExchangeOnline -UserPrincipalName). Not needed when
already connected.

.EXAMPLE
./infra/scripts/Set-MailboxScope.ps1 -AppId 00000000-0000-0000-0000-000000000001 `
    -ObjectId 00000000-0000-0000-0000-000000000002 -Group helpdesk-mailboxes@contoso.com `
    -CreateGroup -Mailboxes helpdesk@contoso.com -OutOfScopeMailbox ceo@contoso.com -WhatIf

Shows what it would create; run again without -WhatIf to apply.
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
param(
    [Parameter(Mandatory = $true)]
    [guid] $AppId,

    [Parameter(Mandatory = $true)]
    [guid] $ObjectId,

    [string] $DisplayName = '',

    [Parameter(Mandatory = $true)]
    [ValidateNotNullOrEmpty()]
    [string] $Group,

    [switch] $CreateGroup,

    [string[]] $Mailboxes = @(),

    [ValidateLength(1, 64)]
    [string] $ScopeName = 'Mail channel mailboxes',

    [ValidateLength(1, 40)]
    [string] $AssignmentPrefix = 'Mail channel',

    [string] $InScopeMailbox = '',

    [string] $OutOfScopeMailbox = '',

    [string] $UserPrincipalName = ''
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# The two Exchange application roles matching the Graph permissions the channel uses.
$Roles = @('Application Mail.ReadWrite', 'Application Mail.Send')

if (-not $DisplayName) { $DisplayName = "Mail channel ($AppId)" }

function Connect-Exchange {
    $open = @(Get-ConnectionInformation -ErrorAction SilentlyContinue | Where-Object { $_.State -eq 'Connected' })
    if ($open.Count -gt 0) {
        Write-Verbose "Using the open Exchange Online session of $($open[0].UserPrincipalName)."
        return
    }
    $connect = @{ ShowBanner = $false }
    if ($UserPrincipalName) { $connect.UserPrincipalName = $UserPrincipalName }
    Connect-ExchangeOnline @connect
}

# OPATH strings are single-quoted; a quote inside is doubled.
function ConvertTo-OpathLiteral([string] $Value) { "'" + $Value.Replace("'", "''") + "'" }

# The filter text Exchange stores may differ in spacing and case from the one we sent.
function Test-SameFilter([string] $A, [string] $B) {
    ($A -replace '\s+', ' ').Trim().Trim('(', ')').Trim() -ieq ($B -replace '\s+', ' ').Trim().Trim('(', ')').Trim()
}

function Find-One([scriptblock] $Lookup) {
    try { & $Lookup } catch { $null }
}

# 1. The service principal pointer.
function Set-ExchangeServicePrincipal {
    $sp = Find-One { Get-ServicePrincipal -Identity $AppId.ToString() -ErrorAction Stop }
    if ($sp) {
        # Exchange shows the Entra object id as ServiceId.
        $known = if ($sp.PSObject.Properties['ServiceId']) { $sp.ServiceId } else { $sp.ObjectId }
        if ([guid] $known -ne $ObjectId) {
            throw "Exchange already has a service principal for AppId $AppId with ObjectId $known, not $ObjectId. Check that both ids are the enterprise application's (Entra ID > Enterprise applications), then Remove-ServicePrincipal -Identity $AppId and run again."
        }
        Write-Host "Service principal: present ($($sp.DisplayName))."
        return $sp
    }
    if ($PSCmdlet.ShouldProcess("AppId $AppId, ObjectId $ObjectId", 'New-ServicePrincipal')) {
        $sp = New-ServicePrincipal -AppId $AppId.ToString() -ObjectId $ObjectId.ToString() -DisplayName $DisplayName
        Write-Host "Service principal: created ($DisplayName)."
        return $sp
    }
    return $null
}

# 2. The mail-enabled security group and its members.
function Set-ScopeGroup {
    $g = Find-One { Get-DistributionGroup -Identity $Group -ErrorAction Stop }
    if (-not $g) {
        if (-not $CreateGroup) {
            throw "No mail-enabled group '$Group'. Create it (or pass -CreateGroup) and add the help-desk mailboxes."
        }
        $create = @{ Name = $Group; Type = 'Security' }
        if ($Group.Contains('@')) {
            $create.Name = $Group.Split('@')[0]
            $create.PrimarySmtpAddress = $Group
        }
        if ($PSCmdlet.ShouldProcess($Group, 'New-DistributionGroup -Type Security')) {
            $g = New-DistributionGroup @create
            Write-Host "Group: created $($g.PrimarySmtpAddress)."
        }
        else {
            return $null
        }
    }
    elseif ($g.RecipientTypeDetails -ne 'MailUniversalSecurityGroup') {
        throw "'$Group' is a $($g.RecipientTypeDetails), not a mail-enabled security group: a management scope over a distribution list would follow a list anyone may be able to join."
    }
    else {
        Write-Host "Group: present ($($g.PrimarySmtpAddress))."
    }

    $members = @(Get-DistributionGroupMember -Identity $g.DistinguishedName -ResultSize Unlimited)
    $nested = @($members | Where-Object { $_.RecipientType -like '*Group*' })
    if ($nested.Count -gt 0) {
        Write-Warning "Nested groups in '$Group' are not part of the scope (only direct members are): $($nested.Name -join ', ')."
    }
    foreach ($mailbox in $Mailboxes) {
        $recipient = Get-Recipient -Identity $mailbox
        if ($members | Where-Object { $_.DistinguishedName -eq $recipient.DistinguishedName }) {
            Write-Host "Member: $mailbox already in the group."
            continue
        }
        if ($PSCmdlet.ShouldProcess($g.PrimarySmtpAddress, "Add-DistributionGroupMember $mailbox")) {
            Add-DistributionGroupMember -Identity $g.DistinguishedName -Member $recipient.DistinguishedName -BypassSecurityGroupManagerCheck
            Write-Host "Member: added $mailbox."
        }
    }
    return $g
}

# 3. The management scope over the group's members.
function Set-Scope([string] $GroupDn) {
    $filter = "MemberOfGroup -eq $(ConvertTo-OpathLiteral $GroupDn)"
    $scope = Find-One { Get-ManagementScope -Identity $ScopeName -ErrorAction Stop }
    if (-not $scope) {
        if ($PSCmdlet.ShouldProcess($ScopeName, "New-ManagementScope -RecipientRestrictionFilter `"$filter`"")) {
            New-ManagementScope -Name $ScopeName -RecipientRestrictionFilter $filter | Out-Null
            Write-Host "Scope: created '$ScopeName'."
        }
        return
    }
    if (Test-SameFilter $scope.RecipientFilter $filter) {
        Write-Host "Scope: present '$ScopeName'."
        return
    }
    if ($PSCmdlet.ShouldProcess($ScopeName, "Set-ManagementScope -RecipientRestrictionFilter `"$filter`" (was `"$($scope.RecipientFilter)`")")) {
        Set-ManagementScope -Identity $ScopeName -RecipientRestrictionFilter $filter
        Write-Host "Scope: '$ScopeName' now filters on $GroupDn."
    }
}

# 4. One scoped role assignment per application role.
function Set-RoleAssignments {
    foreach ($role in $Roles) {
        $name = "$AssignmentPrefix $($role -replace '^Application ', '')"
        $existing = Find-One { Get-ManagementRoleAssignment -Identity $name -ErrorAction Stop }
        if (-not $existing) {
            if ($PSCmdlet.ShouldProcess($name, "New-ManagementRoleAssignment -App $ObjectId -Role '$role' -CustomResourceScope '$ScopeName'")) {
                New-ManagementRoleAssignment -Name $name -App $ObjectId.ToString() -Role $role -CustomResourceScope $ScopeName | Out-Null
                Write-Host "Role assignment: created '$name' ($role in '$ScopeName')."
            }
            continue
        }
        if ($existing.Role -ne $role) {
            throw "A role assignment named '$name' exists for role '$($existing.Role)', not '$role'. Choose another -AssignmentPrefix."
        }
        if ($existing.CustomResourceScope -eq $ScopeName) {
            Write-Host "Role assignment: present '$name'."
            continue
        }
        if ($PSCmdlet.ShouldProcess($name, "Set-ManagementRoleAssignment -CustomResourceScope '$ScopeName' (was '$($existing.CustomResourceScope)')")) {
            Set-ManagementRoleAssignment -Identity $name -CustomResourceScope $ScopeName
            Write-Host "Role assignment: '$name' now limited to '$ScopeName'."
        }
    }

    # Any other assignment of a mail role to this app that is not limited to a scope reaches
    # every mailbox; Test-ServicePrincipalAuthorization without -Resource lists them all.
    $wide = @(Test-ServicePrincipalAuthorization -Identity $ObjectId.ToString() -ErrorAction SilentlyContinue |
            Where-Object { $_.RoleName -like 'Application Mail*' -and $_.ScopeType -eq 'Organization' })
    foreach ($a in $wide) {
        Write-Warning "The app holds $($a.RoleName) for the whole organization through another role assignment: remove it (Get-ManagementRoleAssignment -Role '$($a.RoleName)', then Remove-ManagementRoleAssignment) for the scope to mean anything."
    }
}

# 5. What the app may do in a mailbox inside and outside the scope.
function Show-Authorization([object] $ScopeGroup) {
    $inside = $InScopeMailbox
    if (-not $inside -and $Mailboxes.Count -gt 0) { $inside = $Mailboxes[0] }
    if (-not $inside -and $ScopeGroup) {
        $first = Get-DistributionGroupMember -Identity $ScopeGroup.DistinguishedName -ResultSize 1
        if ($first) { $inside = $first.PrimarySmtpAddress }
    }
    $cases = @()
    if ($inside) { $cases += [pscustomobject]@{ Mailbox = $inside; Expected = 'inside' } }
    if ($OutOfScopeMailbox) { $cases += [pscustomobject]@{ Mailbox = $OutOfScopeMailbox; Expected = 'outside' } }
    if ($cases.Count -eq 0) {
        Write-Host 'No mailbox to test: pass -InScopeMailbox / -OutOfScopeMailbox.'
        return
    }
    foreach ($case in $cases) {
        Write-Host "`nTest-ServicePrincipalAuthorization for $($case.Mailbox) (expected $($case.Expected) the scope):"
        Test-ServicePrincipalAuthorization -Identity $ObjectId.ToString() -Resource $case.Mailbox |
            Format-Table -Property @('RoleName', 'GrantedPermissions', 'AllowedResourceScope', 'ScopeType', 'InScope') -AutoSize |
            Out-Host
    }
}

Connect-Exchange
$sp = Set-ExchangeServicePrincipal
$scopeGroup = Set-ScopeGroup
if ($scopeGroup) {
    Set-Scope -GroupDn $scopeGroup.DistinguishedName
}
else {
    Write-Host "What if: the scope would filter on the new group's distinguished name."
}
if ($sp -or $WhatIfPreference) { Set-RoleAssignments }
if (-not $WhatIfPreference) { Show-Authorization -ScopeGroup $scopeGroup }
