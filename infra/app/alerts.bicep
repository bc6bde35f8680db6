// Alerts on the app's own telemetry (the counters of shared/telemetry, in Application
// Insights' customMetrics), sent by e-mail to the admin through one action group. Counters
// arrive as deltas, so the Total of valueSum over a window is the number of events in it.
// Each query keeps a timestamp column, so the rule can aggregate it per window itself.
// Deployed only when an alert address is given (main.bicep): without a receiver an alert
// would only show in the portal, at the rules' monthly price.
param location string
param tags object
param appInsightsId string
@description('Where the alerts go.')
param alertEmail string
param actionGroupName string
param namePrefix string
@description('Fail-folder rate (rejected + failed mail, in %) of one channel over an hour that raises an alert.')
param failFolderRatePercent int
@description('Mails a channel must have finished in that hour before its fail-folder rate counts.')
param failFolderMinimumMails int
@description('Graph 429 answers per 5 minutes that count as throttled; three such windows in a row raise the alert.')
param graphThrottledPer5Minutes int

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'mailchannel'
    enabled: true
    emailReceivers: [
      {
        name: 'admin'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Each rule: what it watches, the KQL, how the query's column is judged, and how often.
var rules = [
  {
    name: 'poison-messages'
    displayName: 'Mail channel: mail given up after retries (poison)'
    description: 'The host gave up on a mail after five attempts; it is recorded as failed (reason POISON) and moved to the fail folder. See the channel\'s failed mail in the admin page and retry once the cause is fixed.'
    severity: 2
    query: 'customMetrics | where name == \'mailchannel.mail.poisoned\' | project timestamp, poisoned = valueSum'
    measure: 'poisoned'
    aggregation: 'Total'
    dimensions: []
    threshold: 0
    window: 'PT15M'
    frequency: 'PT15M'
    periods: 1
  }
  {
    name: 'channel-needs-reauthorization'
    displayName: 'Mail channel: a channel needs its credentials renewed'
    description: 'A mailbox sync failed with an access error only an admin can fix (AUTH_REJECTED, AUTH_REAUTHORIZATION_REQUIRED, AUTH_SECRET_MISSING, AUTH_UNSUPPORTED, AUTH_MANAGED_IDENTITY_UNAVAILABLE, GRAPH_AUTH, GRAPH_MAILBOX_OUT_OF_SCOPE, IMAP_AUTH): consent revoked or a signed-in user\'s grant withdrawn (sign in again), secret or password wrong or missing, or (managed identity) the Graph mail permissions not granted or the mailbox outside the app\'s Exchange scope. Mail from this channel waits until an admin fixes its connection.'
    severity: 1
    query: 'customMetrics | where name == \'mailchannel.sync.failures\' | where tostring(customDimensions.reauthorize) == \'true\' | project timestamp, channelId = tostring(customDimensions.channelId), code = tostring(customDimensions.code), failures = valueSum'
    measure: 'failures'
    aggregation: 'Total'
    dimensions: [
      'channelId'
      'code'
    ]
    threshold: 0
    window: 'PT15M'
    frequency: 'PT15M'
    periods: 1
  }
  {
    name: 'fail-folder-rate'
    displayName: 'Mail channel: many mails go to the fail folder'
    description: 'Over the last hour, more than ${failFolderRatePercent}% of a channel\'s mail (at least ${failFolderMinimumMails} mails) was rejected or failed and moved to the fail folder.'
    severity: 3
    query: 'customMetrics | where name == \'mailchannel.mail.outcomes\' | extend channelId = tostring(customDimensions.channelId), outcome = tostring(customDimensions.outcome) | summarize total = sum(valueSum), failed = sumif(valueSum, outcome in (\'rejected\', \'failed\')), timestamp = max(timestamp) by channelId | where total >= ${failFolderMinimumMails} | extend failPercent = 100.0 * failed / total'
    measure: 'failPercent'
    aggregation: 'Maximum'
    dimensions: [
      'channelId'
    ]
    threshold: failFolderRatePercent
    window: 'PT1H'
    frequency: 'PT15M'
    periods: 1
  }
  {
    name: 'subscription-renewal-failures'
    displayName: 'Mail channel: Graph subscriptions cannot be renewed'
    description: 'Creating, renewing or deleting a Graph change-notification subscription kept failing for 30 minutes. Mail still arrives through the periodic sync, but late; a subscription left to expire stops notifications altogether.'
    severity: 2
    query: 'customMetrics | where name == \'mailchannel.graph.subscription.failures\' | project timestamp, channelId = tostring(customDimensions.channelId), action = tostring(customDimensions.action), failures = valueSum'
    measure: 'failures'
    aggregation: 'Total'
    dimensions: [
      'channelId'
      'action'
    ]
    threshold: 0
    window: 'PT15M'
    frequency: 'PT15M'
    periods: 2
  }
  {
    name: 'graph-throttling'
    displayName: 'Mail channel: Microsoft Graph throttles the app'
    description: 'Graph answered more than ${graphThrottledPer5Minutes} requests with 429 in each of three 5-minute windows in a row. Mail is delayed; look for a channel syncing too often or a mailbox shared with other apps.'
    severity: 3
    query: 'customMetrics | where name == \'mailchannel.graph.throttled\' | project timestamp, throttled = valueSum'
    measure: 'throttled'
    aggregation: 'Total'
    dimensions: []
    threshold: graphThrottledPer5Minutes
    window: 'PT5M'
    frequency: 'PT5M'
    periods: 3
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for r in rules: {
  name: '${namePrefix}-${r.name}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: r.displayName
    description: r.description
    severity: r.severity
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: r.frequency
    windowSize: r.window
    criteria: {
      allOf: [
        {
          query: r.query
          timeAggregation: r.aggregation
          metricMeasureColumn: r.measure
          dimensions: [for d in r.dimensions: {
            name: d
            operator: 'Include'
            values: [
              '*'
            ]
          }]
          operator: 'GreaterThan'
          threshold: r.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: r.periods
            minFailingPeriodsToAlert: r.periods
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}]

output actionGroupId string = actionGroup.id
output ruleNames array = [for (r, i) in rules: alertRules[i].name]
