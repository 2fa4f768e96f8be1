import { fromJson, type DescField, type DescMessage, type JsonValue, type Registry } from '@bufbuild/protobuf';

const options = (registry: Registry) => ({ ignoreUnknownFields: true, registry });

function fails(schema: DescMessage, json: JsonValue, registry: Registry): boolean {
  try {
    fromJson(schema, json, options(registry));
    return false;
  } catch {
    return true;
  }
}

function isObject(json: JsonValue | undefined): json is Record<string, JsonValue> {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

/** Where inside a message-typed value the problem is, or '' when it is the value itself (a timestamp, a wrong type). */
function insideMessage(field: DescField, value: JsonValue, registry: Registry): string {
  const message = field.message;
  if (message === undefined || message.typeName.startsWith('google.protobuf.')) return '';
  if (field.fieldKind === 'list' && Array.isArray(value)) {
    const index = value.findIndex((item) => isObject(item) && fails(message, item, registry));
    if (index < 0) return '';
    const inner = jsonErrorPath(message, value[index]!, registry);
    return `[${index}]${inner === undefined ? '' : `.${inner}`}`;
  }
  if (field.fieldKind !== 'message' || !isObject(value)) return '';
  const inner = jsonErrorPath(message, value, registry);
  return inner === undefined ? '' : `.${inner}`;
}

/**
 * The field path (proto names, `messages[0].text`) of the first value in
 * `json` that does not decode as `schema`, or undefined when no one field
 * is to blame. The library's messages name scalar fields but not an enum or
 * a timestamp that fails; this finds the field by decoding each key on its
 * own. Only called after a decode failed, so its cost is on bad input only.
 */
export function jsonErrorPath(schema: DescMessage, json: JsonValue, registry: Registry): string | undefined {
  if (!isObject(json)) return undefined;
  for (const [key, value] of Object.entries(json)) {
    const field = schema.fields.find((f) => f.jsonName === key || f.name === key);
    if (field === undefined || !fails(schema, { [key]: value }, registry)) continue;
    return `${field.name}${insideMessage(field, value, registry)}`;
  }
  return undefined;
}
