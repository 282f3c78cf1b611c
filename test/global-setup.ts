import { buildDistIfStale } from '../scripts/dev-cloud/build-dist.js';

/**
 * Runs once before any test file: the integration tests serve the compiled functions from dist/
 * ("test what ships"), so dist/ is brought up to date here, once, rather than by several test
 * files compiling into the same folder at the same time.
 */
export default function setup(): void {
  buildDistIfStale();
}
