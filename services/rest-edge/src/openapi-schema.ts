import { ScalarType, type DescEnum, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { leadingComment } from './comments.js';

/** An OpenAPI 3 Schema Object (the subset the edge writes). */
export type SchemaObject = Record<string, unknown>;

const scalarSchemas: Record<ScalarType, SchemaObject> = {
  [ScalarType.DOUBLE]: { type: 'number', format: 'double' },
  [ScalarType.FLOAT]: { type: 'number', format: 'float' },
  // 64-bit integers are strings in proto3 JSON.
  [ScalarType.INT64]: { type: 'string', format: 'int64' },
  [ScalarType.UINT64]: { type: 'string', format: 'uint64' },
  [ScalarType.INT32]: { type: 'integer', format: 'int32' },
  [ScalarType.FIXED64]: { type: 'string', format: 'uint64' },
  [ScalarType.FIXED32]: { type: 'integer', format: 'int64' },
  [ScalarType.BOOL]: { type: 'boolean' },
  [ScalarType.STRING]: { type: 'string' },
  [ScalarType.BYTES]: { type: 'string', format: 'byte' },
  [ScalarType.UINT32]: { type: 'integer', format: 'int64' },
  [ScalarType.SFIXED32]: { type: 'integer', format: 'int32' },
  [ScalarType.SFIXED64]: { type: 'string', format: 'int64' },
  [ScalarType.SINT32]: { type: 'integer', format: 'int32' },
  [ScalarType.SINT64]: { type: 'string', format: 'int64' },
};

// Well-known types with a special proto3 JSON form.
const wellKnownSchemas: Record<string, SchemaObject> = {
  'google.protobuf.Timestamp': { type: 'string', format: 'date-time' },
  'google.protobuf.Duration': { type: 'string', example: '1.5s' },
  'google.protobuf.FieldMask': { type: 'string' },
  'google.protobuf.Empty': { type: 'object' },
  'google.protobuf.Struct': { type: 'object', additionalProperties: true },
  'google.protobuf.Value': {},
  'google.protobuf.ListValue': { type: 'array', items: {} },
  'google.protobuf.Any': { type: 'object', properties: { '@type': { type: 'string' } }, additionalProperties: true },
  'google.protobuf.StringValue': { type: 'string' },
  'google.protobuf.BytesValue': { type: 'string', format: 'byte' },
  'google.protobuf.BoolValue': { type: 'boolean' },
  'google.protobuf.Int32Value': { type: 'integer', format: 'int32' },
  'google.protobuf.UInt32Value': { type: 'integer', format: 'int64' },
  'google.protobuf.Int64Value': { type: 'string', format: 'int64' },
  'google.protobuf.UInt64Value': { type: 'string', format: 'uint64' },
  'google.protobuf.FloatValue': { type: 'number', format: 'float' },
  'google.protobuf.DoubleValue': { type: 'number', format: 'double' },
};

/** Collects component schemas, keyed by fully-qualified message name. */
export class SchemaCollector {
  readonly components: Record<string, SchemaObject> = {};

  /** A reference to a message's schema, adding it (and what it uses) to the components. */
  messageRef(message: DescMessage): SchemaObject {
    const known = wellKnownSchemas[message.typeName];
    if (known !== undefined) return { ...known };
    if (!(message.typeName in this.components)) {
      this.components[message.typeName] = {}; // placeholder first: messages may recurse
      this.components[message.typeName] = this.messageSchema(message);
    }
    return { $ref: `#/components/schemas/${message.typeName}` };
  }

  /** An inline object schema of a message's fields by JSON name, minus `omit` (proto names). */
  messageSchema(message: DescMessage, omit: readonly string[] = []): SchemaObject {
    const properties: Record<string, SchemaObject> = {};
    for (const field of message.fields) {
      if (!omit.includes(field.name)) properties[field.jsonName] = this.fieldSchema(field);
    }
    const description = leadingComment(message);
    return { type: 'object', ...(description ? { description } : {}), properties, additionalProperties: false };
  }

  /** The schema of one field's JSON value. */
  fieldSchema(field: DescField): SchemaObject {
    const description = leadingComment(field);
    const withDescription = (schema: SchemaObject): SchemaObject => (description ? { ...schema, description } : schema);
    switch (field.fieldKind) {
      case 'scalar':
        return withDescription({ ...scalarSchemas[field.scalar] });
      case 'enum':
        return withDescription(enumSchema(field.enum));
      case 'message':
        return withDescription(this.messageRef(field.message));
      case 'list':
        return withDescription({ type: 'array', items: this.listItem(field) });
      case 'map': {
        const value =
          field.mapKind === 'scalar' ? { ...scalarSchemas[field.scalar] } : field.mapKind === 'enum' ? enumSchema(field.enum) : this.messageRef(field.message);
        return withDescription({ type: 'object', additionalProperties: value });
      }
    }
  }

  private listItem(field: DescField & { fieldKind: 'list' }): SchemaObject {
    if (field.listKind === 'scalar') return { ...scalarSchemas[field.scalar] };
    if (field.listKind === 'enum') return enumSchema(field.enum);
    return this.messageRef(field.message);
  }
}

function enumSchema(desc: DescEnum): SchemaObject {
  return { type: 'string', enum: desc.values.map((v) => v.name) };
}
