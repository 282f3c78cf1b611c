import { MetdbError } from '../../shared/errors/metdb-error.js';

/** The MetdbError a promise rejects with; fails the test if it resolves or rejects otherwise. */
export async function errorOf(promise: Promise<unknown>): Promise<MetdbError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MetdbError) return error;
    throw new Error(`expected a MetdbError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection, the promise resolved');
}
