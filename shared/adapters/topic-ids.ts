import type { TopicName } from '../ports/bus.js';

/** The deployment's Pub/Sub topic id for each logical topic. */
export type TopicIds = Readonly<Record<TopicName, string>>;

/** Default topic ids, used when the environment names none. */
export const DEFAULT_TOPIC_IDS: TopicIds = {
  tiles: 'metdb-tiles',
  aggregate: 'metdb-aggregate',
  reprocess: 'metdb-reprocess',
  edges: 'metdb-edges',
  mosaics: 'metdb-mosaics',
  outputs: 'metdb-outputs',
};

/**
 * Topic ids from `METDB_TILES_TOPIC`, `METDB_AGGREGATE_TOPIC`, `METDB_REPROCESS_TOPIC`,
 * `METDB_EDGES_TOPIC`, `METDB_MOSAICS_TOPIC` and `METDB_OUTPUTS_TOPIC`, each
 * falling back to `DEFAULT_TOPIC_IDS`. Ids only (`metdb-tiles`), not full resource names.
 */
export function topicIdsFromEnv(env: NodeJS.ProcessEnv = process.env): TopicIds {
  return {
    tiles: env.METDB_TILES_TOPIC || DEFAULT_TOPIC_IDS.tiles,
    aggregate: env.METDB_AGGREGATE_TOPIC || DEFAULT_TOPIC_IDS.aggregate,
    reprocess: env.METDB_REPROCESS_TOPIC || DEFAULT_TOPIC_IDS.reprocess,
    edges: env.METDB_EDGES_TOPIC || DEFAULT_TOPIC_IDS.edges,
    mosaics: env.METDB_MOSAICS_TOPIC || DEFAULT_TOPIC_IDS.mosaics,
    outputs: env.METDB_OUTPUTS_TOPIC || DEFAULT_TOPIC_IDS.outputs,
  };
}
