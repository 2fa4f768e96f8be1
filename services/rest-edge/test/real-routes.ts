import type { FileRegistry } from '@bufbuild/protobuf';
import { descriptorSetPath } from '@threadweaver/proto';
import { loadDescriptorRegistry } from '../src/descriptors.js';
import { compileRoutes, type Route } from '../src/routes.js';

/** The two services the edge fronts. */
export const edgeServices = ['threadweaver.v1.ThreadCommandService', 'threadweaver.v1.ThreadQueryService'];

/** The real descriptor set and the routes compiled from it (for unit tests). */
export function realRoutes(): { registry: FileRegistry; routes: Route[] } {
  const registry = loadDescriptorRegistry(descriptorSetPath);
  return { registry, routes: compileRoutes(registry, edgeServices) };
}
