/** The seeded PRNG of tests and benchmarks: the one `longrunning-client/testing` exports. */
export { seededRandom } from '../../src/testing/random.js';
