// Public entry point of laminardb.
import { native } from './native/binding.js';

export const version = '0.1.0';
export function nativeAbiVersion(): number {
  return native().abiVersion as number;
}
