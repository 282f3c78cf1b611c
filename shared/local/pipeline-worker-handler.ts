/**
 * The handler module each worker of a local run loads (see worker-pool-bus.ts): a tile message is
 * validated like at the function edge and given to the shared `registerTileFromMessage` use case,
 * with this worker's own dependencies (its own database connection, the same folders); what the
 * use case publishes (the aggregation message) goes back to the main thread's bus.
 */
import { createLogger } from '../logging/logger.js';
import { parseTileMessage } from '../messages/tile-message.js';
import { registerTileFromMessage } from '../pipeline/register-tile-from-message.js';
import type { LocalRunConfig } from './local-run-config.js';
import { localPipelineDeps } from './local-pipeline-deps.js';
import type { WorkerHandler, WorkerHost } from './worker-protocol.js';

export async function createWorkerHandler(options: unknown, host: WorkerHost): Promise<WorkerHandler> {
  const config = options as LocalRunConfig;
  const logger = createLogger({
    level: config.logLevel ?? 'warn',
    write: (line) => void process.stderr.write(line),
  });
  const { deps, handle } = await localPipelineDeps(
    config,
    { publish: (t, m, a) => host.publish(t, m, a) },
    logger,
  );
  return {
    async handle(message) {
      const result = await registerTileFromMessage(deps, parseTileMessage(message));
      return { ...result };
    },
    close: () => handle.close(),
  };
}
