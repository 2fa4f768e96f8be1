export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { retryForever } from './retry-forever.js';
export type { RetryForeverOptions } from './retry-forever.js';
export { delay, Wakeup } from './wakeup.js';
