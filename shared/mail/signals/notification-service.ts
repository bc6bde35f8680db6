import { header, hit, splitAddress, type Signal } from './signal';

/**
 * Headers notification services put on every mail they send (the services' own mail
 * headers, seen on their mail: ServiceNow and Jira in the Zammad corpus; GitHub,
 * GitLab, Redmine, Launchpad and Bugzilla document theirs for mail filters; Amazon SNS
 * email notifications; cron's `X-Cron-Env`). Such a mail is a system's message, never
 * a person's, even when it quotes one (a GitHub comment, a Jira update).
 */
const serviceHeaders: readonly (readonly [string, string])[] = [
  ['x-amz-sns-message-id', 'Amazon SNS notification'],
  ['x-github-reason', 'GitHub notification'],
  ['x-jira-fingerprint', 'Jira notification'],
  ['x-servicenow-generated', 'ServiceNow notification'],
  ['x-gitlab-project', 'GitLab notification'],
  ['x-redmine-host', 'Redmine notification'],
  ['x-launchpad-notification-type', 'Launchpad notification'],
  ['x-bugzilla-reason', 'Bugzilla notification'],
  ['x-cron-env', 'cron job output'],
];

/** Sender addresses of cloud monitoring and alerting services (the From of their alert mails). */
const serviceSenders = new Map([
  ['azure-noreply@microsoft.com', 'Azure Monitor alert'],
  ['azuremonitor-noreply@microsoft.com', 'Azure Monitor alert'],
  ['alerts-noreply@mail.windowsazure.com', 'Azure alert'],
  ['alerting-noreply@google.com', 'Google Cloud alert'],
  ['alerts-noreply@google.com', 'Google Cloud alert'],
  ['no-reply@sns.amazonaws.com', 'Amazon SNS notification'],
  ['no-reply@pagerduty.com', 'PagerDuty notification'],
  ['notifications@github.com', 'GitHub notification'],
  ['noreply@github.com', 'GitHub notification'],
  ['jira@atlassian.net', 'Jira notification'],
  ['alerts@datadoghq.com', 'Datadog alert'],
  ['opsgenie@opsgenie.net', 'Opsgenie alert'],
]);

export const notificationService: Signal = {
  name: 'notification-service',
  test: ({ mail }) => {
    for (const [name, what] of serviceHeaders) {
      const value = header(mail, name);
      if (value !== undefined) return hit('notification', `${name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())} (${what})`);
    }
    const from = mail.from?.address.toLowerCase();
    const service = from ? serviceSenders.get(from) : undefined;
    if (service) return hit('notification', `From ${from} (${service})`);
    const sender = splitAddress(from);
    if (sender && sender.domain === 'bounce.jira.com') return hit('notification', `From ${from} (Jira notification)`);
    return undefined;
  },
};
