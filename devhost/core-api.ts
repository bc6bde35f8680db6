import Module from 'node:module';
import { z } from 'zod';

/**
 * The `@azure/functions-core` module, as the Node.js language worker provides it inside
 * Azure. `@azure/functions` 4.x `require`s this module (see its
 * `src/utils/tryGetCoreApiLazy.ts`): `app.http(...)` and friends call
 * `setProgrammingModel(model)` then `registerFunction(metadata, handler)`. Supplying the
 * module before the app loads is how this host sees exactly the registrations Azure sees.
 *
 * Only the shapes the host reads are typed here; the library's own objects pass through.
 */

/** RPC typed data (protobuf `TypedData` of the worker protocol), the fields we exchange. */
export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  int?: number | null;
  double?: number | null;
  http?: RpcHttpData | null;
}

export interface RpcNullableString { value?: string | null }

export interface RpcHttpCookie {
  name?: string | null;
  value?: string | null;
  domain?: RpcNullableString | null;
  path?: RpcNullableString | null;
  expires?: { value?: { seconds?: number | string | null; nanos?: number | null } | null } | null;
  secure?: { value?: boolean | null } | null;
  httpOnly?: { value?: boolean | null } | null;
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone' | null;
  maxAge?: { value?: number | null } | null;
}

export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  nullableHeaders?: Record<string, RpcNullableString> | null;
  nullableQuery?: Record<string, RpcNullableString> | null;
  nullableParams?: Record<string, RpcNullableString> | null;
  body?: RpcTypedData | null;
  statusCode?: string | null;
  cookies?: RpcHttpCookie[] | null;
  enableContentNegotiation?: boolean | null;
}

/** One binding of a registration, as `@azure/functions` builds it (toCoreFunctionMetadata.ts). */
export const BindingInfoSchema = z.looseObject({
  type: z.string().min(1),
  direction: z.enum(['in', 'out', 'inout']),
});

/** The metadata passed to `registerFunction`. */
export const FunctionMetadataSchema = z.looseObject({
  name: z.string().min(1),
  bindings: z.record(z.string(), BindingInfoSchema),
  retryOptions: z.unknown().optional(),
});
export type FunctionMetadata = z.infer<typeof FunctionMetadataSchema>;

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface InvocationArguments { context: unknown; inputs: unknown[] }

export interface RpcInvocationResponse {
  invocationId?: string;
  returnValue?: RpcTypedData | null;
  outputData?: { name?: string; data?: RpcTypedData | null }[];
}

export type InvocationState = 'preInvocationHooks' | 'invocation' | 'postInvocationHooks';

/** What the worker hands the programming model for one invocation. */
export interface CoreInvocationContext {
  invocationId: string;
  request: {
    invocationId: string;
    functionId: string;
    inputData: { name: string; data: RpcTypedData }[];
    triggerMetadata: Record<string, RpcTypedData>;
    retryContext?: unknown;
    traceContext?: unknown;
  };
  metadata: FunctionMetadata;
  state?: InvocationState;
  log(level: string, category: string, message: string): void;
}

export interface InvocationModel {
  getArguments(): Promise<InvocationArguments>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
  getCapabilities?(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
export type HookCallback = (context: Record<string, unknown>) => unknown;

/** A registered function: its metadata (validated) and the user's handler. */
export interface Registration {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

export class Disposable {
  #fn: (() => unknown) | undefined;
  constructor(fn: () => unknown) { this.#fn = fn; }
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => { for (const i of items) i.dispose(); });
  }
  dispose(): unknown {
    const fn = this.#fn;
    this.#fn = undefined;
    return fn?.();
  }
}

/** Everything the app registered while loading. */
export class CoreRegistry {
  programmingModel: ProgrammingModel | undefined;
  readonly functions = new Map<string, Registration>();
  readonly hooks: Record<HookName, HookCallback[]> = { appStart: [], appTerminate: [], preInvocation: [], postInvocation: [], log: [] };
  readonly appHookData: Record<string, unknown> = {};
  /** Set once the app has loaded: the worker refuses registrations after startup. */
  startupFinished = false;
  /** Invalid registrations; the host reports them and skips those functions, as Azure does. */
  readonly errors: string[] = [];

  registerFunction(metadata: unknown, callback: unknown): Disposable {
    if (this.startupFinished) throw new Error('A function can only be registered during app startup.');
    const parsed = FunctionMetadataSchema.safeParse(metadata);
    if (!parsed.success || typeof callback !== 'function') {
      const msg = parsed.success ? 'handler is not a function' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`Invalid function registration: ${msg}`);
    }
    const name = parsed.data.name;
    // The Functions host's rule for function names (FunctionMetadataManager / Utility.IsValidFunctionName).
    if (!/^[a-z][a-z0-9_-]{0,127}$/i.test(name)) {
      this.errors.push(`'${name}' is not a valid function name.`);
    }
    const key = name.toLowerCase();
    if (this.functions.has(key)) {
      // The host refuses duplicate names (case-insensitive) when indexing.
      this.errors.push(`The function name '${name}' is duplicated; function names must be unique (case-insensitive).`);
      return new Disposable(() => undefined);
    }
    this.functions.set(key, { metadata: parsed.data, callback: callback as FunctionCallback });
    return new Disposable(() => {
      if (this.startupFinished) throw new Error('A function can only be disposed during app startup.');
      this.functions.delete(key);
    });
  }

  registerHook(name: string, callback: HookCallback): Disposable {
    if (!(name in this.hooks)) throw new Error(`Unknown hook "${name}"`);
    const list = this.hooks[name as HookName];
    list.push(callback);
    return new Disposable(() => {
      const i = list.indexOf(callback);
      if (i >= 0) list.splice(i, 1);
    });
  }

  async runHooks(name: HookName, context: Record<string, unknown>): Promise<void> {
    for (const cb of [...this.hooks[name]]) await cb(context);
  }
}

/** The host's version the worker reports; the library only checks `coreApi.log` exists. */
const HOST_VERSION = '4.1036.1.0';

/**
 * Makes `require('@azure/functions-core')` return this registry's API, as the worker's
 * setupCoreModule.ts does (a proxy on Module.prototype.require). Call before the app loads.
 */
export function installCoreApi(registry: CoreRegistry, log: (level: string, category: string, message: string) => void): void {
  const coreApi = {
    version: '3.12.0',
    hostVersion: HOST_VERSION,
    registerHook: (name: string, cb: HookCallback) => registry.registerHook(name, cb),
    setProgrammingModel: (model: ProgrammingModel) => { registry.programmingModel = model; },
    getProgrammingModel: () => registry.programmingModel,
    registerFunction: (metadata: unknown, cb: unknown) => registry.registerFunction(metadata, cb),
    log,
    Disposable,
  };
  const proto = Module.prototype as unknown as { require: (id: string) => unknown };
  proto.require = new Proxy(proto.require, {
    apply(target, thisArg, args: unknown[]) {
      if (args[0] === '@azure/functions-core') return coreApi;
      return Reflect.apply(target, thisArg, args);
    },
  });
}
