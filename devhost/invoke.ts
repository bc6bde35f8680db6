import { randomUUID } from 'node:crypto';
import type { CoreInvocationContext, CoreRegistry, Registration, RpcInvocationResponse, RpcTypedData } from './core-api';
import type { HostLog } from './host-log';

/**
 * Runs one invocation the way the Node.js worker does (InvocationHandler.ts): the
 * programming model turns RPC data into the handler's arguments (HttpRequest,
 * InvocationContext, the parsed queue message, the camel-cased timer), the
 * preInvocation hooks run, the handler runs, the postInvocation hooks run, and the
 * model turns the result back into RPC data. Using the library's own conversion keeps
 * the handler's view identical to Azure's.
 */
export interface InvocationRequest {
  registration: Registration;
  /** The trigger's binding data (name → RPC typed data). */
  inputData: { name: string; data: RpcTypedData }[];
  triggerMetadata: Record<string, RpcTypedData>;
  /** Why it runs, for the "Executing" log line (as the host words it). */
  reason: string;
  /** A chosen invocation id (the admin API answers with it before the run ends). */
  id?: string;
}

export interface InvocationRecord {
  id: string;
  functionName: string;
  reason: string;
  startedAt: string;
  status: 'running' | 'succeeded' | 'failed';
  durationMs?: number;
  error?: string;
}

export interface InvocationOutcome {
  record: InvocationRecord;
  response?: RpcInvocationResponse;
  error?: unknown;
}

const MAX_RECORDS = 2000;

export class Invoker {
  /** Recent invocations, newest last (for the devhost status endpoint and tests). */
  readonly records = new Map<string, InvocationRecord>();

  constructor(private readonly registry: CoreRegistry, private readonly log: HostLog) {}

  async invoke(req: InvocationRequest): Promise<InvocationOutcome> {
    const { metadata, callback } = req.registration;
    const name = metadata.name;
    const id = req.id ?? randomUUID();
    const record: InvocationRecord = { id, functionName: name, reason: req.reason, startedAt: new Date().toISOString(), status: 'running' };
    this.remember(record);
    const started = performance.now();
    this.log.info(`Executing 'Functions.${name}' (Reason='${req.reason}', Id=${id})`);

    const model = this.registry.programmingModel;
    let outcome: InvocationOutcome;
    try {
      if (!model) throw new Error('No programming model was set by the app (is @azure/functions loaded?)');
      const coreCtx: CoreInvocationContext = {
        invocationId: id,
        request: { invocationId: id, functionId: name, inputData: req.inputData, triggerMetadata: req.triggerMetadata },
        metadata,
        log: (level, category, message) => this.userLog(level, category, message),
      };
      const invocModel = await model.getInvocationModel(coreCtx);
      const hookData: Record<string, unknown> = {};
      const args = await invocModel.getArguments();
      let inputs = args.inputs;
      let handler = callback;
      const pre: Record<string, unknown> = {
        hookData, appHookData: this.registry.appHookData, invocationContext: args.context, functionCallback: handler, inputs,
      };
      coreCtx.state = 'preInvocationHooks';
      try { await this.registry.runHooks('preInvocation', pre); } finally { coreCtx.state = undefined; }
      inputs = pre.inputs as unknown[];
      handler = pre.functionCallback as typeof handler;

      const post: Record<string, unknown> = {
        hookData, appHookData: this.registry.appHookData, invocationContext: args.context, inputs, result: null, error: null,
      };
      coreCtx.state = 'invocation';
      try {
        post.result = await invocModel.invokeFunction(args.context, inputs, handler);
      } catch (err) {
        post.error = err;
      } finally {
        coreCtx.state = undefined;
      }
      coreCtx.state = 'postInvocationHooks';
      try { await this.registry.runHooks('postInvocation', post); } finally { coreCtx.state = undefined; }
      if (post.error !== null && post.error !== undefined) throw post.error;
      const response = await invocModel.getResponse(args.context, post.result);
      outcome = { record, response };
      record.status = 'succeeded';
    } catch (error) {
      outcome = { record, error };
      record.status = 'failed';
      record.error = error instanceof Error ? error.message : String(error);
    }
    record.durationMs = Math.round(performance.now() - started);
    if (record.status === 'succeeded') {
      this.log.info(`Executed 'Functions.${name}' (Succeeded, Id=${id}, Duration=${record.durationMs}ms)`);
    } else {
      const err = outcome.error;
      const stack = err instanceof Error && err.stack ? `\nStack: ${err.stack}` : '';
      this.log.error(`Executed 'Functions.${name}' (Failed, Id=${id}, Duration=${record.durationMs}ms)`);
      this.log.error(`Exception while executing function: Functions.${name}. Result: Failure\nException: ${record.error}${stack}`);
    }
    return outcome;
  }

  private userLog(level: string, category: string, message: string): void {
    if (category === 'system') {
      if (level === 'warning' || level === 'error' || level === 'critical') this.log.warn(message);
      else this.log.debug(message);
      return;
    }
    if (level === 'debug' || level === 'trace') this.log.debug(message);
    else this.log.info(message);
  }

  private remember(record: InvocationRecord): void {
    this.records.set(record.id, record);
    if (this.records.size > MAX_RECORDS) {
      const oldest = this.records.keys().next().value;
      if (oldest !== undefined) this.records.delete(oldest);
    }
  }
}
