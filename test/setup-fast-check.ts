import fc from 'fast-check';

// Property tests run with a fixed seed so that CI is deterministic; set METDB_FC_SEED to explore
// other random cases locally (a failure prints its seed and path to replay it).
fc.configureGlobal({ seed: Number(process.env['METDB_FC_SEED'] ?? 20261122) });
