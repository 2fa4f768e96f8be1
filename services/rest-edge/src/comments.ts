import type { DescField, DescMessage, DescMethod, DescService } from '@bufbuild/protobuf';

type Commented = DescMessage | DescField | DescMethod | DescService;

// Paths into FileDescriptorProto, by descriptor.proto field numbers:
// message_type = 4, nested_type = 3, field = 2, service = 6, method = 2.
function sourcePath(desc: Commented): number[] {
  switch (desc.kind) {
    case 'message':
      return desc.parent === undefined
        ? [4, desc.file.proto.messageType.indexOf(desc.proto)]
        : [...sourcePath(desc.parent), 3, desc.parent.proto.nestedType.indexOf(desc.proto)];
    case 'field':
      return [...sourcePath(desc.parent), 2, desc.parent.proto.field.indexOf(desc.proto)];
    case 'service':
      return [6, desc.file.proto.service.indexOf(desc.proto)];
    case 'rpc':
      return [...sourcePath(desc.parent), 2, desc.parent.proto.method.indexOf(desc.proto)];
  }
}

/**
 * The leading comment of a declaration in its .proto file, from the source
 * info `buf build` keeps in the descriptor set; undefined when there is none.
 */
export function leadingComment(desc: Commented): string | undefined {
  const file = desc.kind === 'field' || desc.kind === 'rpc' ? desc.parent.file : desc.file;
  const path = sourcePath(desc);
  const location = file.proto.sourceCodeInfo?.location.find(
    (l) => l.path.length === path.length && l.path.every((n, i) => n === path[i]),
  );
  const text = location?.leadingComments.trim().replace(/\n /g, '\n');
  return text === undefined || text === '' ? undefined : text;
}
