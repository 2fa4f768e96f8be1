export { uniqueName } from './unique-name.js';
export { waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
