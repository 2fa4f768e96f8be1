import {
  create,
  fromBinary,
  fromJson,
  mergeFromJson,
  toBinary,
  toJson,
  type DescField,
  type DescMessage,
  type JsonValue,
  type Message,
  type Registry,
} from '@bufbuild/protobuf';
import { BadRequestError } from './errors.js';
import { nestJson, protoPath, readJson, resolveFieldPath } from './field-path.js';
import { jsonErrorPath } from './json-error-path.js';
import { urlValuesToJson } from './query-values.js';
import type { Route } from './routes.js';
import { wireToJsonText } from './wire-json.js';

/** What the HTTP layer hands over: the matched variables, query and raw body. */
export interface HttpRequestParts {
  /** Path variables by field path, still percent-encoded. */
  variables: ReadonlyMap<string, string>;
  query: URLSearchParams;
  /** The body as text; empty when none was sent. */
  body: string;
  /**
   * Told of each query parameter that sets no field and is ignored, with
   * why (the edge logs it at debug, as grpc-gateway logs "field not found").
   * @default none
   */
  onIgnoredParameter?: (name: string, reason: string) => void;
}

// grpc-gateway's default marshaler decodes with protojson's DiscardUnknown:
// a client built against a newer proto (a rolling update, the reference
// application's `createAt`) still gets through. A known field with a value
// of the wrong type is still an error naming the field.
const readOptions = (registry: Registry) => ({ ignoreUnknownFields: true, registry });

function decode(schema: DescMessage, json: JsonValue, registry: Registry, where: string): Message {
  try {
    return fromJson(schema, json, readOptions(registry));
  } catch (err) {
    const path = jsonErrorPath(schema, json, registry);
    throw new BadRequestError(`${where}: ${path === undefined ? '' : `field ${path}: `}${(err as Error).message}`, { cause: err });
  }
}

function merge(schema: DescMessage, target: Message, json: unknown, registry: Registry, where: string): void {
  try {
    mergeFromJson(schema, target, json as JsonValue, readOptions(registry));
  } catch (err) {
    throw new BadRequestError(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

function parseBody(route: Route, text: string): JsonValue | undefined {
  if (text.trim() === '') return route.body === '*' ? {} : undefined;
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new BadRequestError(`malformed JSON body: ${(err as Error).message}`, { cause: err });
  }
  if (route.body === '*' && (typeof json !== 'object' || json === null || Array.isArray(json))) {
    throw new BadRequestError(`request body must be a JSON object (${route.method.input.typeName})`);
  }
  return json;
}

function decodeSegments(encoded: string, name: string): string {
  try {
    return encoded.split('/').map(decodeURIComponent).join('/');
  } catch (err) {
    throw new BadRequestError(`path variable ${name}: malformed percent-encoding`, { cause: err });
  }
}

function applyBody(route: Route, json: JsonValue | undefined, registry: Registry): Message {
  const schema = route.method.input;
  if (route.body === '' || json === undefined) return create(schema);
  if (route.body === '*') return decode(schema, json, registry, 'invalid request body');
  const field = schema.fields.find((f) => f.name === route.body)!;
  return decode(schema, { [field.jsonName]: json }, registry, `invalid request body (${field.jsonName})`);
}

function applyVariables(route: Route, message: Message, body: JsonValue | undefined, parts: HttpRequestParts, registry: Registry): void {
  const schema = route.method.input;
  for (const [path, encoded] of parts.variables) {
    const fields = resolveFieldPath(schema, path)!;
    const value = urlValuesToJson(fields.at(-1)!, [decodeSegments(encoded, path)], `path variable ${path}`);
    const inBody = route.body === '*' ? readJson(body, fields) : undefined;
    if (inBody !== undefined && inBody !== value) {
      throw new BadRequestError(`${fields.map((f) => f.jsonName).join('.')}: the body says ${JSON.stringify(inBody)} but the path says ${JSON.stringify(value)}`);
    }
    merge(schema, message, nestJson(fields, value), registry, `path variable ${path}`);
  }
}

/**
 * Why grpc-gateway would skip this parameter, or undefined when it sets a
 * field: it names no field, or one the body or the path already sets (its
 * generated handlers filter those out before populating from the query).
 */
function ignoredBecause(route: Route, fields: readonly DescField[] | undefined): string | undefined {
  if (route.body === '*') return 'the fields come from the JSON body';
  if (fields === undefined) return `${route.method.input.typeName} has no such field`;
  const path = protoPath(fields);
  if (route.template.variables.includes(path)) return 'the path sets this field';
  if (route.body !== '' && path.split('.')[0] === route.body) return 'the JSON body sets this field';
  return undefined;
}

function applyQuery(route: Route, message: Message, parts: HttpRequestParts, registry: Registry): void {
  const schema = route.method.input;
  const seen = new Set<string>();
  for (const name of new Set(parts.query.keys())) {
    const fields = resolveFieldPath(schema, name);
    const ignored = ignoredBecause(route, fields);
    if (ignored !== undefined || fields === undefined) {
      parts.onIgnoredParameter?.(name, ignored ?? '');
      continue;
    }
    const path = protoPath(fields);
    if (seen.has(path)) throw new BadRequestError(`query parameter "${name}" is given under two names`);
    seen.add(path);
    const value = urlValuesToJson(fields.at(-1)!, parts.query.getAll(name), `query parameter "${name}"`);
    merge(schema, message, nestJson(fields, value), registry, `query parameter "${name}"`);
  }
}

/**
 * Builds the request message of `route` from an HTTP request, the way
 * grpc-gateway does: the body (all of it for `body: "*"`, or one field),
 * then path variables, then query parameters for the remaining fields.
 * Every problem is a {@link BadRequestError} naming the field.
 */
export function buildRequest(route: Route, parts: HttpRequestParts, registry: Registry): Message {
  const body = route.body === '' ? undefined : parseBody(route, parts.body);
  const message = applyBody(route, body, registry);
  applyVariables(route, message, body, parts, registry);
  applyQuery(route, message, parts, registry);
  return message;
}

/** {@link buildRequest} serialised to protobuf bytes for the upstream call. */
export function buildRequestBytes(route: Route, parts: HttpRequestParts, registry: Registry): Uint8Array {
  return toBinary(route.method.input, buildRequest(route, parts, registry));
}

/**
 * The upstream's response bytes as proto3 JSON text. Fields with implicit
 * presence are always written (grpc-gateway v2 emits unpopulated fields by
 * default), so clients see `sequenceNr: "0"` and `nextPageToken: ""` rather
 * than a missing key. Written straight from the wire bytes where
 * {@link wireToJsonText} can; otherwise by the library, with the same text.
 */
export function responseJsonText(route: Route, bytes: Uint8Array, registry: Registry): string {
  const schema = route.method.output;
  if (route.responseBody === '') {
    const text = wireToJsonText(schema, bytes);
    if (text !== undefined) return text;
  }
  const json = toJson(schema, fromBinary(schema, bytes), { alwaysEmitImplicit: true, registry });
  if (route.responseBody === '') return JSON.stringify(json);
  const field = schema.fields.find((f) => f.name === route.responseBody)!;
  return JSON.stringify((json as Record<string, JsonValue>)[field.jsonName] ?? null);
}
