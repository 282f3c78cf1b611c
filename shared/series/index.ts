/** Series of frames: their natural order and how a multi-page file's pages are read (t or z). */
export { naturalCompare } from './natural-compare.js';
export { seriesAxis, stackAxes, type StackAxes, type StackAxis } from './stack-axes.js';
