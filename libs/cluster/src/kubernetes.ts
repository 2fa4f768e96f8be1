// The Kubernetes membership on its own entry point: `@kubernetes/client-node`
// takes about 0.8 CPU-seconds to load, which a pod with static membership
// (local runs, every single-process test) should not pay at start.
export { KubernetesMembership } from './kubernetes-membership.js';
export type { KubernetesMembershipOptions } from './kubernetes-membership.js';
