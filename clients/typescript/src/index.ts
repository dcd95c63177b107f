export { CreditsClient } from './client';
export type { CreditsClientOptions, PoolLike } from './client';
export * from './errors';
export * from './types';
export { parseJsonExact } from './values';
export type { AmountInput, DecimalLike, DurationInput, TimeInput } from './values';
