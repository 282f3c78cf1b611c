/**
 * How large an image a function instance can take, and how much memory it needs for that: the
 * one model both the pipeline's default pixel limit (`METDB_MAX_PIXELS`) and the IaC's memory per
 * function come from. An image over the limit is refused from its header, before decoding (a
 * 100 kB PNG can claim 30000² pixels).
 *
 * The model: an instance holds `imagesHeld` decoded images at once (ingest 1, registerTile the
 * reference and the moving image, aggregate those two and the registered output), each at most
 * `BYTES_PER_VOXEL` per voxel (float32 pixels, and as much again for the decoder's buffer while it
 * runs), plus `BASE_MEMORY_MIB` for Node, sharp, the FFT module and the clients.
 */

/** Node, libvips, the WebAssembly FFT and the cloud clients, before any image. */
export const BASE_MEMORY_MIB = 384;
/** Per voxel of one decoded image: float32 pixels plus the decoder's own buffer. */
export const BYTES_PER_VOXEL = 8;
/**
 * The default largest image, in voxels (width x height x depth): 1e8, e.g. 10000² or
 * 1024² x 95; registerTile (two images) then fits in 2 GiB, ingest in 1 GiB.
 */
export const DEFAULT_MAX_PIXELS_PER_IMAGE = 1e8;

/** The memory, MiB, an instance holding `imagesHeld` images of up to `maxPixels` voxels needs. */
export function memoryMibFor(maxPixels: number, imagesHeld: number): number {
  return Math.ceil(BASE_MEMORY_MIB + (maxPixels * BYTES_PER_VOXEL * imagesHeld) / 2 ** 20);
}

/** Cloud Run's memory sizes (gen2 functions), MiB, with the fewest vCPUs each allows. */
const SIZES: readonly { mib: number; minCpu: number }[] = [
  { mib: 512, minCpu: 1 },
  { mib: 1024, minCpu: 1 },
  { mib: 2048, minCpu: 1 },
  { mib: 4096, minCpu: 1 },
  { mib: 8192, minCpu: 2 },
  { mib: 16384, minCpu: 4 },
  { mib: 32768, minCpu: 8 },
];

/**
 * The smallest Cloud Run size that holds `mib` (as `'2Gi'`/`'512Mi'`) and the vCPUs it needs at
 * least; `undefined` when nothing does (lower the pixel limit).
 */
export function cloudRunSizeFor(mib: number): { memory: string; minCpu: number } | undefined {
  const size = SIZES.find((s) => s.mib >= mib);
  if (size === undefined) return undefined;
  return {
    memory: size.mib >= 1024 ? `${size.mib / 1024}Gi` : `${size.mib}Mi`,
    minCpu: size.minCpu,
  };
}
