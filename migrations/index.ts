/**
 * The versioned migrations as code (so that they bundle into Cloud Functions), by name in
 * apply order. Names sort lexically in the order they must run. Never edit a released
 * migration: add a new one.
 */
import type { Kysely } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_quality.js';
import * as m0003 from './0003_units.js';
import * as m0004 from './0004_reliability.js';
import * as m0005 from './0005_transforms.js';
import * as m0006 from './0006_series.js';
import * as m0007 from './0007_mosaics.js';
import * as m0009 from './0009_mosaic_jobs.js';
import * as m0011 from './0011_affine.js';
import * as m0013 from './0013_section_matrices.js';

export interface MigrationModule {
  up(db: Kysely<any>): Promise<void>;
  down?(db: Kysely<any>): Promise<void>;
}

export const migrations: Readonly<Record<string, MigrationModule>> = {
  '0001_initial': m0001,
  '0002_quality': m0002,
  '0003_units': m0003,
  '0004_reliability': m0004,
  '0005_transforms': m0005,
  '0006_series': m0006,
  '0007_mosaics': m0007,
  '0009_mosaic_jobs': m0009,
  '0011_affine': m0011,
  '0013_section_matrices': m0013,
};
