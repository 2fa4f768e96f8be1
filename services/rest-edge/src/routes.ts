import { getOption, hasOption, toJson, type DescMessage, type DescMethod, type Registry } from '@bufbuild/protobuf';
import { resolveFieldPath } from './field-path.js';
import { compilePathTemplate, type PathTemplate } from './path-template.js';

/** One HTTP binding of an RPC, compiled from its google.api.http rule. */
export interface Route {
  /** Upper-case HTTP method. */
  readonly httpMethod: string;
  readonly template: PathTemplate;
  /** `''` (no body), `'*'` (the whole request) or a top-level field name. */
  readonly body: string;
  /** `''` (the whole response) or a top-level field name. */
  readonly responseBody: string;
  readonly method: DescMethod;
  /** gRPC path, `/threadweaver.v1.ThreadCommandService/CreateThread`. */
  readonly grpcPath: string;
  /** True for a server-streaming RPC: answered as NDJSON chunks or Server-Sent Events. */
  readonly streaming: boolean;
}

/** An annotation the edge cannot serve; raised at start-up, never per request. */
export class RouteCompileError extends Error {
  override readonly name = 'RouteCompileError';
}

/** True when `err` is a {@link RouteCompileError}. */
export function isRouteCompileError(err: unknown): err is RouteCompileError {
  return err instanceof RouteCompileError;
}

/** google.api.HttpRule in its JSON form (field names as protojson writes them). */
interface HttpRuleJson {
  get?: string;
  put?: string;
  post?: string;
  delete?: string;
  patch?: string;
  custom?: { kind?: string; path?: string };
  body?: string;
  responseBody?: string;
  additionalBindings?: HttpRuleJson[];
}

function topLevelField(message: DescMessage, name: string, what: string, rpc: string): void {
  if (name === '' || name === '*') return;
  if (!message.fields.some((f) => f.name === name)) {
    throw new RouteCompileError(`${rpc}: ${what} "${name}" is not a field of ${message.typeName}`);
  }
}

function bindingOf(method: DescMethod, rule: HttpRuleJson): Route {
  const rpc = `${method.parent.typeName}.${method.name}`;
  const verbs = (['get', 'put', 'post', 'delete', 'patch'] as const).filter((verb) => rule[verb] !== undefined);
  let httpMethod: string;
  let path: string;
  if (verbs.length === 1 && verbs[0] !== undefined) {
    httpMethod = verbs[0].toUpperCase();
    path = rule[verbs[0]] ?? '';
  } else if (verbs.length === 0 && rule.custom?.kind && rule.custom.path) {
    httpMethod = rule.custom.kind.toUpperCase();
    path = rule.custom.path;
  } else {
    throw new RouteCompileError(`${rpc}: google.api.http needs exactly one method and path`);
  }
  // As grpc-gateway: a server stream is a streaming response; a client stream would need a streaming body.
  if (method.methodKind !== 'unary' && method.methodKind !== 'server_streaming') {
    throw new RouteCompileError(`${rpc}: only unary and server-streaming RPCs can be bound to HTTP`);
  }
  const template = compilePathTemplate(path);
  for (const variable of template.variables) {
    const leaf = resolveFieldPath(method.input, variable)?.at(-1);
    if (leaf === undefined || leaf.fieldKind === 'list' || leaf.fieldKind === 'map') {
      throw new RouteCompileError(`${rpc}: path variable "${variable}" is not a singular field of ${method.input.typeName}`);
    }
  }
  const body = rule.body ?? '';
  const responseBody = rule.responseBody ?? '';
  topLevelField(method.input, body, 'body', rpc);
  topLevelField(method.output, responseBody, 'response_body', rpc);
  return { httpMethod, template, body, responseBody, method, grpcPath: `/${method.parent.typeName}/${method.name}`, streaming: method.methodKind === 'server_streaming' };
}

/**
 * Compiles the google.api.http rules (and their additional_bindings) of the
 * given services' methods into routes, most specific template first so a
 * literal segment wins over a variable. Methods without the option are not
 * reachable over HTTP.
 */
export function compileRoutes(registry: Registry, serviceNames: readonly string[]): Route[] {
  const httpRule = registry.getExtension('google.api.http');
  const ruleSchema = registry.getMessage('google.api.HttpRule');
  if (httpRule === undefined || ruleSchema === undefined) {
    throw new RouteCompileError('descriptor set lacks google/api/annotations.proto (google.api.http)');
  }
  const routes: Route[] = [];
  for (const serviceName of serviceNames) {
    const service = registry.getService(serviceName);
    if (service === undefined) throw new RouteCompileError(`service ${serviceName} is not in the descriptor set`);
    for (const method of service.methods) {
      if (!hasOption(method, httpRule)) continue;
      // Reading the rule through its JSON form keeps us on the public,
      // typed-by-us surface instead of the untyped extension value.
      const rule = toJson(ruleSchema, getOption(method, httpRule) as never, { registry }) as HttpRuleJson;
      routes.push(bindingOf(method, rule));
      for (const extra of rule.additionalBindings ?? []) routes.push(bindingOf(method, extra));
    }
  }
  return routes.sort((a, b) => b.template.literalCount - a.template.literalCount);
}

/** Result of looking a request up in the routes. */
export type RouteMatch =
  | { kind: 'found'; route: Route; variables: Map<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

/** Finds the route for an HTTP method and URL path (without query). */
export function matchRoute(routes: readonly Route[], httpMethod: string, path: string): RouteMatch {
  const allow = new Set<string>();
  for (const route of routes) {
    const variables = route.template.match(path);
    if (variables === undefined) continue;
    if (route.httpMethod === httpMethod) return { kind: 'found', route, variables };
    allow.add(route.httpMethod);
  }
  return allow.size > 0 ? { kind: 'method-not-allowed', allow: [...allow].sort() } : { kind: 'not-found' };
}
