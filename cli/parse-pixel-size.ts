import type { PhysicalLength } from '../shared/quality-metrics/pair-quality.js';

const UNITS = ['pm', 'Å', 'A', 'nm', 'µm', 'um', 'mm'] as const;

/**
 * "8nm", "8 nm", "0.5um", "11.4Å" (or "11.4A") -> { value, unit }; undefined when the text is not a
 * positive number followed by one of pm, Å, nm, µm (um), mm.
 */
export function parsePixelSize(text: string): PhysicalLength | undefined {
  const match = /^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([^\s0-9.]+)\s*$/.exec(text);
  if (match === null) return undefined;
  const value = Number(match[1]);
  const given = match[2]!;
  if (!(value > 0) || !(UNITS as readonly string[]).includes(given)) return undefined;
  const unit = given === 'A' ? 'Å' : given === 'um' ? 'µm' : given;
  return { value, unit };
}
