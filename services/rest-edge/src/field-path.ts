import type { DescField, DescMessage } from '@bufbuild/protobuf';

/**
 * Resolves a dotted field path (`thread_id`, `filter.account_id`) against a
 * message, accepting each segment by its proto name or its JSON name, as
 * query parameters and path variables may use either. Every segment but the
 * last must be a singular message field. Returns undefined when it does not
 * resolve.
 */
export function resolveFieldPath(message: DescMessage, path: string): DescField[] | undefined {
  const fields: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const segment of path.split('.')) {
    if (current === undefined) return undefined;
    const field: DescField | undefined = current.fields.find((f) => f.name === segment || f.jsonName === segment);
    if (field === undefined) return undefined;
    fields.push(field);
    current = field.fieldKind === 'message' ? field.message : undefined;
  }
  return fields;
}

/** The path in proto names (`filter.account_id`), for messages and comparisons. */
export function protoPath(fields: readonly DescField[]): string {
  return fields.map((f) => f.name).join('.');
}

/** Wraps `value` in objects keyed by JSON names: `{ filter: { accountId: value } }`. */
export function nestJson(fields: readonly DescField[], value: unknown): Record<string, unknown> {
  let result: unknown = value;
  for (let i = fields.length - 1; i >= 0; i--) result = { [fields[i]!.jsonName]: result };
  return result as Record<string, unknown>;
}

/** Reads a field from parsed JSON by its JSON or proto name, or undefined. */
export function readJson(json: unknown, fields: readonly DescField[]): unknown {
  let current = json;
  for (const field of fields) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    const record = current as Record<string, unknown>;
    current = field.jsonName in record ? record[field.jsonName] : record[field.name];
  }
  return current;
}
