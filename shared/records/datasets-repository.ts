/**
 * Datasets: one per folder of uploads (`gs://<raw-bucket>/<dataset>/...`), unique by name.
 * Plain functions taking a Kysely instance or a transaction first.
 */
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database, DatasetRow, DatasetsTable } from './database-schema.js';
import { check, fromJsonText, nowIso, toJsonText, validateRow } from './validate-row.js';
import { newId } from './new-id.js';
import { folderNameProblem } from './upload-names.js';
import { toDatabaseError } from './database-error.js';
import { MetdbError } from '../errors/metdb-error.js';

type Db = Kysely<Database>;

/** Dataset names: a usable folder name (`folderNameProblem`: never `.` or `..`). */
const datasetName = () =>
  z.string().superRefine((s, ctx) => {
    const problem = folderNameProblem(s);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `the folder name ${problem}` });
  });

const newDatasetSchema = z.object({
  id: check.id().optional(),
  name: datasetName(),
  settings: check.json().optional(),
});
export type NewDataset = z.input<typeof newDatasetSchema>;

/** The dataset named `input.name`, created (with `input.settings`) if it does not exist yet. */
export async function getOrCreateDataset(
  db: Db,
  input: NewDataset,
): Promise<{ dataset: DatasetRow; created: boolean }> {
  const v = validateRow('datasets', newDatasetSchema, input);
  const now = nowIso();
  const row: DatasetsTable = {
    id: v.id ?? newId(),
    name: v.name,
    settings: toJsonText(v.settings),
    reference_image_id: null,
    created_at: now,
    updated_at: now,
  };
  try {
    const result = await db.insertInto('datasets').orIgnore().values(row).executeTakeFirst();
    const created = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    const dataset = await getDatasetByName(db, v.name);
    if (dataset === undefined)
      throw new MetdbError('conflict', `datasets: could not insert or find dataset ${v.name}`);
    return { dataset, created };
  } catch (error) {
    throw toDatabaseError(error, 'get or create dataset');
  }
}

export async function getDataset(db: Db, id: string): Promise<DatasetRow | undefined> {
  const row = await db.selectFrom('datasets').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDatasetRow(row);
}

export async function getDatasetByName(db: Db, name: string): Promise<DatasetRow | undefined> {
  const row = await db.selectFrom('datasets').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toDatasetRow(row);
}

export async function listDatasets(db: Db): Promise<DatasetRow[]> {
  const rows = await db.selectFrom('datasets').selectAll().orderBy('name').execute();
  return rows.map(toDatasetRow);
}

const patchSchema = z.object({
  settings: check.json().optional(),
  reference_image_id: check.id().nullable().optional(),
});
export type DatasetPatch = z.input<typeof patchSchema>;

/** Updates a dataset's settings and/or reference image. Returns false if no such dataset. */
export async function updateDataset(db: Db, id: string, patch: DatasetPatch): Promise<boolean> {
  validateRow('datasets', z.object({ id: check.id() }), { id });
  const v = validateRow('datasets', patchSchema, patch);
  const set: Partial<DatasetsTable> = { updated_at: nowIso() };
  if (v.settings !== undefined) set.settings = toJsonText(v.settings);
  if (v.reference_image_id !== undefined) set.reference_image_id = v.reference_image_id;
  try {
    const result = await db.updateTable('datasets').set(set).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  } catch (error) {
    throw toDatabaseError(error, 'update dataset');
  }
}

function toDatasetRow(row: DatasetsTable): DatasetRow {
  return { ...row, settings: fromJsonText(row.settings) };
}
