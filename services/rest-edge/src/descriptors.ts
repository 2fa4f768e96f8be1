import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';

/**
 * Reads a FileDescriptorSet (with imports, as `buf build` writes it) into a
 * registry: the reflection every route, transcoding and the OpenAPI document
 * are derived from.
 */
export function loadDescriptorRegistry(path: string): FileRegistry {
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(path)));
}
