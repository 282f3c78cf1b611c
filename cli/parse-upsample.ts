import { UPSAMPLE_FACTOR_LIMITS } from '../shared/messages/registration-params.js';
import { UsageError } from './usage-error.js';

/** How the usage texts state the limits of `--upsample`. */
export const UPSAMPLE_LIMITS_TEXT = `${UPSAMPLE_FACTOR_LIMITS.min} (whole pixels) to ${UPSAMPLE_FACTOR_LIMITS.max} (1/${UPSAMPLE_FACTOR_LIMITS.max} px)`;

/**
 * `--upsample N`: the subpixel precision 1/N pixel, checked here against the limits the pipeline's
 * messages accept (`RegistrationParamsSchema`), so that a bad value is a usage error, not a failure
 * inside the registration.
 */
export function parseUpsample(value: string, usage: string): number {
  const factor = Number(value);
  const { min, max } = UPSAMPLE_FACTOR_LIMITS;
  if (value.trim() === '' || !Number.isFinite(factor) || factor < min || factor > max) {
    throw new UsageError(`--upsample must be a number from ${UPSAMPLE_LIMITS_TEXT}, got "${value}"`, usage);
  }
  return factor;
}
