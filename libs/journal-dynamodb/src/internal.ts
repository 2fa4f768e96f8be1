// Internals for this package's own tests and benches (`@threadweaver/journal-dynamodb/internal`),
// kept off the root so no service depends on the snapshot byte layout.
export { decodeSnapshot, decodeSnapshotHeader, decodeSnapshotV1, encodeSnapshot, encodeSnapshotHeader, fromSnapshotProto, snapshotSchemaVersion, toSnapshotProto } from './snapshot-codec.js';
