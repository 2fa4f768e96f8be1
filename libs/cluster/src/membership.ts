/** One live member of the command service: where a thread's owner is reached. */
export interface Member {
  /** Stable identity used for placement (the pod name, or the address for static members). */
  readonly id: string;
  /** gRPC address, `host:port` (IPv6 hosts in brackets). */
  readonly address: string;
}

/**
 * What a {@link Membership} believes at one moment. `members` is sorted by id;
 * `version` increases by one each time the member set changes, and only then.
 */
export interface MembershipView {
  readonly version: number;
  readonly members: readonly Member[];
}

/** Called with the view that replaced `previous`; never called for an unchanged set. */
export type MembershipListener = (next: MembershipView, previous: MembershipView) => void;

/**
 * The seam between the command service and where its peers come from
 * (Kubernetes API or a static list). Consumers read {@link current} and react
 * to changes through {@link subscribe}.
 */
export interface Membership {
  /** Begins tracking; resolves once a first view is known (or stop() was called). */
  start(): Promise<void>;
  /** Stops tracking and releases connections; listeners are no longer called. */
  stop(): Promise<void>;
  /** The latest view (version 0 with no members before the first one is known). */
  current(): MembershipView;
  /** Registers a listener for view changes; returns a function that removes it. */
  subscribe(listener: MembershipListener): () => void;
}

/**
 * The few logger methods this package uses; a pino logger fits. Kept
 * structural so the package does not depend on a logging library.
 */
export interface ClusterLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A logger that drops everything, for callers that pass none. */
export const silentLogger: ClusterLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
