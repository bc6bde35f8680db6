/**
 * The admin API, as the page calls it: same origin, JSON. Locally the admin key (entered
 * once per browser session, kept in sessionStorage) goes in x-functions-key; in Azure the
 * App Service Authentication cookie signs the calls in. Every call carries
 * X-Requested-With, so a state change is never a "simple" cross-site request
 * (shared/http/cross-site.ts): the cookie alone never suffices.
 */
export interface ApiIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ApiIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const KEY_ITEM = 'mail-channel.admin-key';

export const adminKey = {
  get: (): string | undefined => sessionStorage.getItem(KEY_ITEM) ?? undefined,
  set: (key: string): void => sessionStorage.setItem(KEY_ITEM, key),
  clear: (): void => sessionStorage.removeItem(KEY_ITEM),
};

/** /api/, from the page's own address (/api/console/). */
const apiBase = new URL('../', document.baseURI);

export interface CallOptions {
  json?: unknown;
  /** A raw body with its type (e.g. a mail for the dry run). */
  raw?: { body: Blob | string; type: string };
  ifMatch?: string;
  contentType?: string;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
  etag?: string;
}

export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-requested-with': 'mail-channel-admin' };
  const key = adminKey.get();
  if (key) headers['x-functions-key'] = key;
  if (options.ifMatch) headers['if-match'] = options.ifMatch;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.raw) {
    headers['content-type'] = options.raw.type;
    body = options.raw.body;
  }
  const res = await fetch(new URL(path.replace(/^\//, ''), apiBase), { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  const text = await res.text();
  let data: unknown = undefined;
  if (text !== '' && (res.headers.get('content-type') ?? '').includes('json')) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const err = (data ?? {}) as { error?: string; message?: string; issues?: ApiIssue[] };
    throw new ApiError(res.status, err.error ?? `http_${res.status}`, err.message ?? `${method} ${path}: HTTP ${res.status}`, Array.isArray(err.issues) ? err.issues : []);
  }
  return { status: res.status, data: data as T, etag: res.headers.get('etag') ?? undefined };
}

export const get = <T>(path: string) => call<T>('GET', path).then((r) => r.data);
