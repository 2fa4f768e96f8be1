import { readFileSync } from 'node:fs';
import { fromBinary, createFileRegistry, type DescMessage, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { loadFileDescriptorSetFromBuffer, loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

/** The protobuf schemas a server serves, loaded once at start. */
export interface Contracts {
  /** Message and service descriptors, to check request bytes. */
  readonly registry: FileRegistry;
  /** The same files (plus the health service) in proto-loader's shape, for reflection. */
  readonly packageDefinition: PackageDefinition;
}

/** Loads FileDescriptorSet files (as `buf build -o x.binpb` writes them). */
export function loadContracts(descriptorSetPaths: readonly string[]): Contracts {
  const buffers = descriptorSetPaths.map((path) => readFileSync(path));
  const registry = createFileRegistry(...buffers.map((buf) => createFileRegistry(fromBinary(FileDescriptorSetSchema, buf))));
  // Load health by its import path so reflection names the file as grpcurl expects.
  const healthFile = 'health/v1/health.proto';
  const includeDir = healthProtoPath.slice(0, healthProtoPath.length - healthFile.length);
  let packageDefinition: PackageDefinition = loadSync(healthFile, { includeDirs: [includeDir] });
  for (const buf of buffers) packageDefinition = { ...packageDefinition, ...loadFileDescriptorSetFromBuffer(buf) };
  return { registry, packageDefinition };
}

/** `/pkg.Service/Method` -> the descriptor of its request message, if the contracts know it. */
export function requestDescriptor(contracts: Contracts, methodPath: string): DescMessage | undefined {
  const [, serviceName, methodName] = methodPath.split('/');
  if (serviceName === undefined || methodName === undefined) return undefined;
  const service = contracts.registry.getService(serviceName);
  return service?.methods.find((m) => m.name === methodName)?.input;
}

/** `/pkg.Service/Method` -> `pkg.Service`. */
export function serviceNameOf(methodPath: string): string {
  return methodPath.split('/')[1] ?? methodPath;
}
