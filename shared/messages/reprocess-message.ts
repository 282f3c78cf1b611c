import { z } from 'zod';
import { MetdbError } from '../errors/metdb-error.js';
import type { MessageAttributes } from '../ports/bus.js';
import { parseMessage, SCHEMA_VERSION } from './parse-message.js';
import { RegistrationParamsPatchSchema } from './registration-params.js';
import { SeriesSettingsSchema } from './series-settings.js';
import { StackAlignmentSettingsSchema } from './stack-alignment-settings.js';

const common = {
  schemaVersion: z.literal(SCHEMA_VERSION),
  /**
   * Parameters overriding the dataset's `metdb.json` and the defaults; any subset, series settings
   * (`series`, `rccWindow`, `binFrames`, `interpolation`) and a stack of sections' chain
   * (`preserveScales`, `fitParams`, `subtractLinearFit`, `outputFrame`) included. @default {}
   */
  params: RegistrationParamsPatchSchema.extend({
    ...SeriesSettingsSchema.omit({ stackAxis: true }).shape,
    ...StackAlignmentSettingsSchema.shape,
  }).default({}),
  /**
   * Idempotency key of the request: redeliveries and republishes with the same `requestId` plan
   * the new jobs once. Absent: the Pub/Sub message id is used (redeliveries only).
   */
  requestId: z.string().min(1).max(128).optional(),
  /** Who asked (an e-mail, a CI job), recorded with the new jobs. */
  requestedBy: z.string().min(1).max(256).optional(),
  /** Free text recorded with the new jobs. */
  reason: z.string().max(1000).optional(),
};

/**
 * Topic `reprocess`: plan new job versions for a whole dataset or for some images, with new
 * parameters. Earlier jobs and results stay. Exactly one of `datasetId` and `imageIds`.
 */
const ForDataset = z.strictObject({ ...common, datasetId: z.uuid() });
const ForImages = z.strictObject({ ...common, imageIds: z.array(z.uuid()).min(1).max(10_000) });
export const ReprocessMessageSchema = z.union([ForDataset, ForImages]);
export type ReprocessMessage = z.output<typeof ReprocessMessageSchema>;

export function parseReprocessMessage(value: unknown): ReprocessMessage {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const targets = ['datasetId', 'imageIds'].filter((k) => k in value);
    if (targets.length !== 1) {
      throw new MetdbError(
        'invalid-message',
        `reprocess message: give exactly one of datasetId and imageIds (got ${targets.length === 0 ? 'neither' : 'both'})`,
        { details: { what: 'reprocess message', targets } },
      );
    }
  }
  // Validate against the branch the message chose, for errors that name the field (a union says "Invalid input").
  const branch = typeof value === 'object' && value !== null && 'imageIds' in value ? ForImages : ForDataset;
  return parseMessage(branch, value, 'reprocess message');
}

export function reprocessMessageAttributes(m: ReprocessMessage): MessageAttributes {
  return {
    schemaVersion: String(m.schemaVersion),
    ...('datasetId' in m ? { datasetId: m.datasetId } : { imageCount: String(m.imageIds.length) }),
    ...(m.requestId === undefined ? {} : { requestId: m.requestId }),
  };
}
