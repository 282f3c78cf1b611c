import { MetdbError } from '../shared/errors/metdb-error.js';
import { serializeError } from './serialize-error.js';
import type { WireDelivery, WireSettlement, WorkerHandler } from './worker-protocol.js';

/**
 * Handles one unit of deliveries with a worker handler: the bodies parsed from JSON (a body that
 * is not JSON fails its delivery, permanently), then a batch through `handleBatch` when the
 * handler has one, else message by message. One settlement per delivery, in order; nothing throws.
 */
export async function handleUnit(
  handler: WorkerHandler,
  deliveries: readonly WireDelivery[],
): Promise<WireSettlement[]> {
  const parsed = deliveries.map((d) => {
    try {
      return { ok: true as const, message: JSON.parse(d.body) as unknown };
    } catch (error) {
      return { ok: false as const, error: new MetdbError('invalid-message', `not JSON: ${String(error)}`) };
    }
  });
  const kind = deliveries[0]!.kind;
  if (
    deliveries.length > 1 &&
    handler.handleBatch !== undefined &&
    deliveries.every((d) => d.kind === kind)
  ) {
    const valid = deliveries.flatMap((d, i) => {
      const p = parsed[i]!;
      return p.ok
        ? [
            {
              index: i,
              item: { message: p.message, attributes: d.attributes },
            },
          ]
        : [];
    });
    const out: WireSettlement[] = deliveries.map((d, i) => {
      const p = parsed[i]!;
      return p.ok
        ? { deliveryId: d.deliveryId, error: { message: 'not handled', kind: 'transient' } }
        : { deliveryId: d.deliveryId, error: serializeError(p.error) };
    });
    try {
      const results = await handler.handleBatch(
        valid.map((v) => v.item),
        kind,
      );
      valid.forEach((v, k) => {
        const r = results[k];
        const deliveryId = deliveries[v.index]!.deliveryId;
        out[v.index] =
          r === undefined
            ? { deliveryId, error: { message: 'the batch handler gave no result', kind: 'transient' } }
            : r.ok
              ? { deliveryId, outcome: r.outcome }
              : { deliveryId, error: serializeError(r.error) };
      });
    } catch (error) {
      const e = serializeError(error);
      for (const v of valid) out[v.index] = { deliveryId: deliveries[v.index]!.deliveryId, error: e };
    }
    return out;
  }
  const out: WireSettlement[] = [];
  for (const [i, d] of deliveries.entries()) {
    const p = parsed[i]!;
    if (!p.ok) {
      out.push({ deliveryId: d.deliveryId, error: serializeError(p.error) });
      continue;
    }
    try {
      out.push({ deliveryId: d.deliveryId, outcome: await handler.handle(p.message, d.attributes, d.kind) });
    } catch (error) {
      out.push({ deliveryId: d.deliveryId, error: serializeError(error) });
    }
  }
  return out;
}
