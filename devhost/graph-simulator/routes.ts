/**
 * Route table of the Graph v1.0 surface the simulator serves. Paths are matched after
 * `/v1.0`, case-insensitively, once OData key syntax (`mailFolders('inbox')`) and
 * namespace-qualified functions (`microsoft.graph.delta()`) are folded to plain segments.
 */
export type EndpointName =
  | 'mailFolders.list'
  | 'mailFolders.create'
  | 'mailFolders.get'
  | 'childFolders.list'
  | 'childFolders.create'
  | 'messages.delta'
  | 'messages.list'
  | 'messages.get'
  | 'messages.value'
  | 'messages.move'
  | 'messages.delete'
  | 'sendMail'
  | 'subscriptions.create'
  | 'subscriptions.list'
  | 'subscriptions.get'
  | 'subscriptions.update'
  | 'subscriptions.delete'
  | 'subscriptions.reauthorize';

export interface RouteMatch {
  endpoint: EndpointName;
  mailbox?: string;
  folder?: string;
  messageId?: string;
  subscriptionId?: string;
}

const MB = '/users/([^/]+)';
const SEG = '([^/]+)';

const table: { method: string; re: RegExp; endpoint: EndpointName; keys: (keyof RouteMatch)[] }[] = [
  { method: 'GET', re: new RegExp(`^${MB}/mailFolders$`, 'i'), endpoint: 'mailFolders.list', keys: ['mailbox'] },
  { method: 'POST', re: new RegExp(`^${MB}/mailFolders$`, 'i'), endpoint: 'mailFolders.create', keys: ['mailbox'] },
  { method: 'GET', re: new RegExp(`^${MB}/mailFolders/${SEG}$`, 'i'), endpoint: 'mailFolders.get', keys: ['mailbox', 'folder'] },
  { method: 'GET', re: new RegExp(`^${MB}/mailFolders/${SEG}/childFolders$`, 'i'), endpoint: 'childFolders.list', keys: ['mailbox', 'folder'] },
  { method: 'POST', re: new RegExp(`^${MB}/mailFolders/${SEG}/childFolders$`, 'i'), endpoint: 'childFolders.create', keys: ['mailbox', 'folder'] },
  { method: 'GET', re: new RegExp(`^${MB}/mailFolders/${SEG}/messages/delta$`, 'i'), endpoint: 'messages.delta', keys: ['mailbox', 'folder'] },
  { method: 'GET', re: new RegExp(`^${MB}/mailFolders/${SEG}/messages$`, 'i'), endpoint: 'messages.list', keys: ['mailbox', 'folder'] },
  { method: 'GET', re: new RegExp(`^${MB}/(?:mailFolders/[^/]+/)?messages/${SEG}/\\$value$`, 'i'), endpoint: 'messages.value', keys: ['mailbox', 'messageId'] },
  { method: 'GET', re: new RegExp(`^${MB}/(?:mailFolders/[^/]+/)?messages/${SEG}$`, 'i'), endpoint: 'messages.get', keys: ['mailbox', 'messageId'] },
  { method: 'DELETE', re: new RegExp(`^${MB}/(?:mailFolders/[^/]+/)?messages/${SEG}$`, 'i'), endpoint: 'messages.delete', keys: ['mailbox', 'messageId'] },
  { method: 'POST', re: new RegExp(`^${MB}/(?:mailFolders/[^/]+/)?messages/${SEG}/move$`, 'i'), endpoint: 'messages.move', keys: ['mailbox', 'messageId'] },
  { method: 'POST', re: new RegExp(`^${MB}/sendMail$`, 'i'), endpoint: 'sendMail', keys: ['mailbox'] },
  { method: 'POST', re: /^\/subscriptions$/i, endpoint: 'subscriptions.create', keys: [] },
  { method: 'GET', re: /^\/subscriptions$/i, endpoint: 'subscriptions.list', keys: [] },
  { method: 'GET', re: new RegExp(`^/subscriptions/${SEG}$`, 'i'), endpoint: 'subscriptions.get', keys: ['subscriptionId'] },
  { method: 'PATCH', re: new RegExp(`^/subscriptions/${SEG}$`, 'i'), endpoint: 'subscriptions.update', keys: ['subscriptionId'] },
  { method: 'DELETE', re: new RegExp(`^/subscriptions/${SEG}$`, 'i'), endpoint: 'subscriptions.delete', keys: ['subscriptionId'] },
  { method: 'POST', re: new RegExp(`^/subscriptions/${SEG}/reauthorize$`, 'i'), endpoint: 'subscriptions.reauthorize', keys: ['subscriptionId'] },
];

/** Folds OData spellings to plain segments: `users('a')` → `users/a`, `microsoft.graph.delta()` → `delta`. */
export function normalisePath(path: string): string {
  return path
    .replace(/\/(users|mailFolders|messages|childFolders|subscriptions)\('([^']*)'\)/gi, '/$1/$2')
    .replace(/\/microsoft\.graph\.(\w+)(\(\))?/gi, '/$1')
    .replace(/\/delta\(\)/gi, '/delta');
}

export function matchRoute(method: string, graphPath: string): RouteMatch | undefined {
  const path = normalisePath(graphPath);
  for (const r of table) {
    if (r.method !== method) continue;
    const m = r.re.exec(path);
    if (!m) continue;
    const out: RouteMatch = { endpoint: r.endpoint };
    r.keys.forEach((k, i) => {
      (out as unknown as Record<string, string>)[k] = decodeURIComponent(m[i + 1] ?? '');
    });
    return out;
  }
  return undefined;
}
