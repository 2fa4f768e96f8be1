// The `tw` program, for embedding and for tests that want its pieces; the
// executable is bin/tw.mjs -> dist/main.js.
export { buildProgram } from './program.js';
export type { ProgramIo } from './context.js';
export { exitCodeFor, failureExitCode, grpcExitBase, usageExitCode } from './errors.js';
export { defaultCommandAddress, defaultIssuerUrl, defaultQueryAddress } from './settings.js';
