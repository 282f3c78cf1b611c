/**
 * Where in the results bucket a function may create objects: canonical images (`datasets/`), a
 * dataset's output snapshots (`outputs/`, its mosaics excepted), or a dataset's mosaics
 * (`outputs/<datasetId>/mosaics/`). Each object name the pipeline writes falls under exactly one.
 */
export type ResultsCreatePrefix = 'datasets/' | 'outputs/' | 'outputs/*/mosaics/';

/**
 * The IAM condition confining a function's `objectCreator` on the results bucket to its prefix
 * (docs/adr/0010-results-bucket-writers.md). The mosaics are told from the snapshots with
 * `resource.name.extract`, which returns "" when the name does not hold its template
 * (`outputs/{datasetId}/mosaics/`): snapshots (`outputs/<datasetId>/v<version>/r<revision>/...`)
 * never hold `/mosaics/`, mosaics always do.
 *
 * @param bucketName the bucket's name (a Terraform reference in the stack)
 */
export function resultsCreateCondition(
  bucketName: string,
  prefix: ResultsCreatePrefix,
): { title: string; expression: string } {
  const objects = `projects/_/buckets/${bucketName}/objects/`;
  const under = (p: string) => `resource.name.startsWith("${objects}${p}")`;
  const mosaic = `resource.name.extract("${objects}outputs/{datasetId}/mosaics/")`;
  switch (prefix) {
    case 'datasets/':
      return { title: 'create-under-datasets-only', expression: under('datasets/') };
    case 'outputs/':
      return {
        title: 'create-under-outputs-but-mosaics',
        expression: `${under('outputs/')} && ${mosaic} == ""`,
      };
    case 'outputs/*/mosaics/':
      return {
        title: 'create-under-outputs-mosaics-only',
        expression: `${under('outputs/')} && ${mosaic} != ""`,
      };
  }
}
