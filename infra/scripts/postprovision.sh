#!/bin/sh
# azd postprovision hook (posix; postprovision.ps1 is the same for Windows): prints where the
# deployed channel answers and what an admin still has to do in the tenant. It only reads the
# azd environment and prints; it changes nothing, so it can run after every `azd provision`.
set -eu

# `azd env get-values` prints KEY="value" lines (a quote or backslash inside is escaped with
# a backslash). azd also passes these values to hooks as environment variables: those are the
# fallback when azd is not on PATH.
values=$(azd env get-values 2>/dev/null || true)

get() {
  found=$(printf '%s\n' "$values" | awk -v key="$1" '
    index($0, key "=") == 1 {
      v = substr($0, length(key) + 2)
      if (v ~ /^".*"$/) {
        v = substr(v, 2, length(v) - 2)
        out = ""
        while ((i = index(v, "\\")) > 0) {
          out = out substr(v, 1, i - 1) substr(v, i + 1, 1)
          v = substr(v, i + 2)
        }
        v = out v
      }
      last = v; seen = 1
    }
    END { if (seen) print last }')
  if [ -n "$found" ]; then
    printf '%s' "$found"
  else
    eval "printf '%s' \"\${$1:-}\""
  fi
}

admin_url=$(get ADMIN_PAGE_URL)
notify_url=$(get GRAPH_NOTIFICATION_URL)
api_uri=$(get SERVICE_API_URI)
principal=$(get MAIL_APP_PRINCIPAL_ID)
granted=$(get MAIL_PERMISSIONS_GRANTED)
grant_command=$(get MAIL_PERMISSIONS_COMMAND)
admin_client=$(get ADMIN_APP_CLIENT_ID)

# Exchange needs the enterprise application's AppId beside its object id. Bicep cannot
# output it (a system-assigned identity exposes only its object id); Entra knows it.
app_id=""
if [ -n "$principal" ] && command -v az >/dev/null 2>&1; then
  app_id=$(az ad sp show --id "$principal" --query appId -o tsv 2>/dev/null || true)
fi
if [ -z "$app_id" ]; then
  app_id="\$(az ad sp show --id $principal --query appId -o tsv)"
fi

show() { printf '  %-26s %s\n' "$1" "${2:-(not in the azd environment: run azd provision)}"; }

echo
echo "Mail channel provisioned."
show "Admin page:" "$admin_url"
show "Graph notification URL:" "$notify_url"
[ -n "$api_uri" ] && show "Health check:" "$api_uri/api/health"
[ -n "$admin_client" ] && show "Admin sign-in app id:" "$admin_client"
echo

case "$granted" in
  true | True | TRUE)
    echo "Microsoft Graph Mail.ReadWrite and Mail.Send are granted to the app's identity"
    echo "tenant-wide: it can read and send in every mailbox. Nothing is left to do for"
    echo "Microsoft 365 channels. To limit it to the help-desk mailboxes instead, see"
    echo "docs/deploy.md (Scoped mailbox access): the tenant-wide grant must be removed, since"
    echo "an Exchange scope adds to it and cannot narrow it."
    ;;
  *)
    echo "Still to do for Microsoft 365 channels (IMAP channels need nothing more). Choose one:"
    echo
    echo "  A. Only the help-desk mailboxes (recommended). An Exchange Administrator runs, in"
    echo "     PowerShell 7 with the ExchangeOnlineManagement module (-WhatIf first to preview):"
    echo
    echo "     pwsh ./infra/scripts/Set-MailboxScope.ps1 -AppId $app_id -ObjectId $principal -Group <helpdesk-group@your-domain> -CreateGroup -Mailboxes <helpdesk@your-domain>"
    echo
    echo "     and does NOT run command B: a tenant-wide grant would add to the scope."
    echo
    echo "  B. Every mailbox in the tenant. A Privileged Role Administrator runs:"
    echo
    echo "     ${grant_command:-(MAIL_PERMISSIONS_COMMAND is not in the azd environment: run azd provision)}"
    echo
    echo "     (or sets GRANT_MAIL_PERMISSIONS=true and runs azd provision)."
    ;;
esac
echo
echo "Next: create the first channel (docs/deploy.md, \"Create the first channel\")."
