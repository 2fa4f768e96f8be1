export { ClusterError, NoMembersError, isClusterError, isNoMembersError } from './errors.js';
export { HashRing } from './hash-ring.js';
export type { KubernetesApiSource } from './kube-config.js';
export { silentLogger } from './membership.js';
export type { ClusterLogger, Member, Membership, MembershipListener, MembershipView } from './membership.js';
export { Placement } from './placement.js';
export type { PlacementListener, PlacementOptions } from './placement.js';
export { StaticMembership } from './static-membership.js';
