import type { DescField } from '@bufbuild/protobuf';
import { leadingComment } from './comments.js';
import { resolveFieldPath } from './field-path.js';
import { idempotencyKeyParameter, retryGuide } from './openapi-retry.js';
import { SchemaCollector, type SchemaObject } from './openapi-schema.js';
import type { Route } from './routes.js';

/** Identifies the document. */
export interface OpenApiInfo {
  title: string;
  version: string;
}

// Fields a query parameter can carry: scalars, enums, string-form
// well-known types, and lists of those.
function queryable(field: DescField): boolean {
  if (field.fieldKind === 'map') return false;
  const kind = field.fieldKind === 'list' ? field.listKind : field.fieldKind;
  if (kind !== 'message') return true;
  const typeName = field.message?.typeName ?? '';
  return field.fieldKind !== 'list' && typeName.startsWith('google.protobuf.') && typeName !== 'google.protobuf.Struct';
}

function operation(route: Route, schemas: SchemaCollector): Record<string, unknown> {
  const input = route.method.input;
  const parameters: unknown[] = route.template.variables.map((variable) => ({
    name: variable,
    in: 'path',
    required: true,
    schema: schemas.fieldSchema(resolveFieldPath(input, variable)!.at(-1)!),
  }));
  if (route.body !== '*') {
    for (const field of input.fields) {
      if (route.template.variables.includes(field.name) || field.name === route.body || !queryable(field)) continue;
      const schema = schemas.fieldSchema(field);
      parameters.push({
        name: field.name,
        in: 'query',
        required: false,
        schema,
        ...(field.fieldKind === 'list' ? { style: 'form', explode: true } : {}),
        ...(typeof schema['description'] === 'string' ? { description: schema['description'] } : {}),
      });
    }
  }
  const idempotencyKey = idempotencyKeyParameter(route);
  if (idempotencyKey !== undefined) parameters.push(idempotencyKey);
  let requestSchema: SchemaObject | undefined;
  if (route.body === '*') requestSchema = schemas.messageSchema(input, route.template.variables);
  else if (route.body !== '') requestSchema = schemas.fieldSchema(input.fields.find((f) => f.name === route.body)!);
  const output = route.method.output;
  const responseSchema = route.responseBody === '' ? schemas.messageRef(output) : schemas.fieldSchema(output.fields.find((f) => f.name === route.responseBody)!);
  const summary = leadingComment(route.method);
  if (route.streaming) parameters.push(lastEventIdParameter);
  return {
    operationId: `${route.method.parent.name}_${route.method.name}`,
    tags: [route.method.parent.name],
    ...(summary ? { description: summary } : {}),
    parameters,
    ...(requestSchema ? { requestBody: { required: true, content: { 'application/json': { schema: requestSchema } } } } : {}),
    responses: {
      '200': route.streaming ? streamingResponse(responseSchema) : { description: 'OK', content: { 'application/json': { schema: responseSchema } } },
      default: { description: 'An error: gRPC status code, message, details', content: { 'application/json': { schema: { $ref: '#/components/schemas/Status' } } } },
    },
  };
}

const lastEventIdParameter = {
  name: 'Last-Event-ID',
  in: 'header',
  required: false,
  schema: { type: 'string', pattern: '^[0-9]+$' },
  description: 'Server-Sent Events only: resume after this sequence number (what EventSource sends when it reconnects).',
};

/** A server stream's answer, as protoc-gen-openapiv2 describes one (`result` or a final `error` per chunk), plus the SSE form. */
function streamingResponse(result: SchemaObject): Record<string, unknown> {
  return {
    description:
      'A stream: newline-delimited JSON chunks {"result": ...} flushed per message, the last one {"error": ...} if the stream fails after it started; ' +
      'or, with Accept: text/event-stream, Server-Sent Events (id: = sequence number, data: = the result, comment heartbeats, a final "end" event).',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: { result: result, error: { $ref: '#/components/schemas/Status' } },
        },
      },
      'text/event-stream': { schema: { type: 'string' } },
    },
  };
}

/** `/v1/{name=messages/*}:cancel` -> `/v1/{name}:cancel`, as OpenAPI paths want. */
function openApiPath(template: string): string {
  return template.replace(/\{([^}=]+)=[^}]*\}/g, '{$1}');
}

/**
 * An OpenAPI 3.0 document of the routes, derived from the same descriptors
 * the edge routes by: paths and methods, path and query parameters (proto
 * field names), request and response schemas in proto3 JSON names, and the
 * grpc-gateway error body.
 */
export function buildOpenApi(routes: readonly Route[], info: OpenApiInfo): Record<string, unknown> {
  const schemas = new SchemaCollector();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.template.source);
    paths[path] ??= {};
    paths[path][route.httpMethod.toLowerCase()] = operation(route, schemas);
  }
  schemas.components['Status'] = {
    type: 'object',
    description: 'The error body (google.rpc.Status, as grpc-gateway writes it).',
    properties: {
      code: { type: 'integer', format: 'int32', description: 'gRPC status code' },
      message: { type: 'string' },
      details: { type: 'array', items: { type: 'object', additionalProperties: true } },
    },
    required: ['code', 'message', 'details'],
  };
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return { openapi: '3.0.3', info: { ...info, description: retryGuide }, paths: sortedPaths, components: { schemas: schemas.components } };
}
