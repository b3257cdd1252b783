import t from 'tap';
import { nativeAbiVersion } from '../lib/index.js';

t.test('native addon loads', async (t) => {
  t.equal(nativeAbiVersion(), 1);
});
