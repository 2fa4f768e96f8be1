/** Base class of this package's errors. */
export class ClusterError extends Error {
  override name = 'ClusterError';
}

/**
 * No live member can own a thread (the view is empty, e.g. before this pod
 * is ready). Callers answer UNAVAILABLE.
 */
export class NoMembersError extends ClusterError {
  override name = 'NoMembersError';
  constructor(readonly threadId: string) {
    super(`no live member to own thread ${threadId}: the membership view is empty`);
  }
}

export function isClusterError(err: unknown): err is ClusterError {
  return err instanceof ClusterError;
}

export function isNoMembersError(err: unknown): err is NoMembersError {
  return err instanceof NoMembersError;
}
