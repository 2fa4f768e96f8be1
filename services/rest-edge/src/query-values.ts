import { ScalarType, type DescField } from '@bufbuild/protobuf';
import { BadRequestError } from './errors.js';

// Well-known message types whose proto3 JSON form is a string, so a query
// parameter or path variable can carry them (e.g. a timestamp).
const stringJsonMessages = new Set([
  'google.protobuf.Timestamp',
  'google.protobuf.Duration',
  'google.protobuf.FieldMask',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
]);

function parseBool(text: string, name: string): boolean {
  // The spellings grpc-gateway accepts (Go's strconv.ParseBool).
  if (['true', 'True', 'TRUE', 't', 'T', '1'].includes(text)) return true;
  if (['false', 'False', 'FALSE', 'f', 'F', '0'].includes(text)) return false;
  throw new BadRequestError(`${name}: expected a boolean, got "${text}"`);
}

/** One string from a URL as the proto3 JSON value of a singular field. */
function singleValue(field: DescField, text: string, name: string): unknown {
  const kind = field.fieldKind === 'list' ? field.listKind : field.fieldKind;
  switch (kind) {
    case 'scalar':
      // Numbers stay strings: proto3 JSON accepts quoted numbers and the
      // decoder checks their range with the field's name in the message.
      return field.scalar === ScalarType.BOOL ? parseBool(text, name) : text;
    case 'enum':
      return /^-?\d+$/.test(text) ? Number(text) : text;
    case 'message': {
      const typeName = field.message?.typeName ?? '';
      if (typeName === 'google.protobuf.BoolValue') return parseBool(text, name);
      if (stringJsonMessages.has(typeName)) return text;
      throw new BadRequestError(`${name}: a ${typeName} cannot be set from the URL`);
    }
    default:
      throw new BadRequestError(`${name}: a map field cannot be set from the URL`);
  }
}

/**
 * The proto3 JSON value for a field given as URL strings (a path variable or
 * repeated query parameters): an array for repeated fields, else exactly one
 * value. `name` is how the client spelled the parameter, for messages.
 */
export function urlValuesToJson(field: DescField, values: readonly string[], name: string): unknown {
  if (field.fieldKind === 'map') throw new BadRequestError(`${name}: a map field cannot be set from the URL`);
  if (field.fieldKind === 'list') return values.map((text) => singleValue(field, text, name));
  if (values.length !== 1) throw new BadRequestError(`${name}: given ${values.length} times but takes one value`);
  return singleValue(field, values[0] ?? '', name);
}
