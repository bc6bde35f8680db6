import type { Registration } from '../core-api';
import { HttpTriggerSchema, parseBinding, triggerOf } from '../registrations';
import type { AuthLevel } from './keys';
import { comparePrecedence, matchRoute, parseRouteTemplate, type RouteTemplate } from './route-template';

/**
 * The HTTP-triggered functions and their routes. A function without `route` is served
 * at its name. Methods are the registered ones (the library defaults to GET and POST);
 * a method that does not match makes the route not match at all, so the host answers
 * 404, as ASP.NET routing does for the Functions host.
 */
export interface HttpFunction {
  registration: Registration;
  bindingName: string;
  route: RouteTemplate;
  /** Upper-case methods, or undefined for all methods. */
  methods?: Set<string>;
  authLevel: AuthLevel;
}

export function httpFunction(reg: Registration): HttpFunction {
  const trigger = triggerOf(reg);
  const b = parseBinding(HttpTriggerSchema, reg, trigger.binding);
  let route: RouteTemplate;
  try {
    route = parseRouteTemplate(b.route ?? reg.metadata.name);
  } catch (err) {
    throw new Error(`Function '${reg.metadata.name}': ${(err as Error).message}`, { cause: err });
  }
  return {
    registration: reg,
    bindingName: trigger.bindingName,
    route,
    methods: b.methods && b.methods.length > 0 ? new Set(b.methods.map((m) => m.toUpperCase())) : undefined,
    // The library defaults to "anonymous"; function.json's default would be "function".
    authLevel: b.authLevel ?? 'function',
  };
}

export class HttpRouter {
  private readonly functions: HttpFunction[];

  constructor(functions: HttpFunction[]) {
    this.functions = [...functions].sort((a, b) => comparePrecedence(a.route, b.route));
  }

  /** The first function (by route precedence) whose route and method match. */
  match(method: string, path: string): { fn: HttpFunction; params: Record<string, string> } | undefined {
    const m = method.toUpperCase();
    for (const fn of this.functions) {
      if (fn.methods && !fn.methods.has(m)) continue;
      const params = matchRoute(fn.route, path);
      if (params) return { fn, params };
    }
    return undefined;
  }

  list(): readonly HttpFunction[] {
    return this.functions;
  }
}
