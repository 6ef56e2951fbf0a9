export * from './states.ts';
export * from './kinds.ts';
export * from './errors.ts';
export * from './rest.ts';
export * from './driver.ts';
export * from './shared.ts';
export * from './batches.ts';
export { buildOpenApi } from './openapi.ts';
