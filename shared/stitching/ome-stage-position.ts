import { parseLengthUnit, toMicrometres } from '../imaging/pixel-size.js';

/**
 * The stage position of an image from its OME-XML: the first `<Plane PositionX PositionY>` (or,
 * without one, `<StageLabel X Y>`), in micrometres. OME's default unit for positions, the
 * microscope's "reference frame", is taken as micrometres (as Bio-Formats' readers write it and
 * ASHLAR reads it). Undefined when the document holds no position.
 */
export function omeStagePosition(xml: string): { x: number; y: number } | undefined {
  const plane = /<(?:\w+:)?Plane\b([^>]*)>/.exec(xml)?.[1];
  const fromPlane = plane === undefined ? undefined : read(plane, 'PositionX', 'PositionY');
  if (fromPlane !== undefined) return fromPlane;
  const label = /<(?:\w+:)?StageLabel\b([^>]*)>/.exec(xml)?.[1];
  return label === undefined ? undefined : read(label, 'X', 'Y');
}

function read(attributes: string, nameX: string, nameY: string): { x: number; y: number } | undefined {
  const attr = (name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`).exec(attributes)?.[1];
  const value = (name: string): number | undefined => {
    const raw = attr(name);
    if (raw === undefined || raw.trim() === '') return undefined;
    const v = Number(raw);
    const unit = parseLengthUnit(attr(`${name}Unit`)) ?? 'µm';
    return Number.isFinite(v) ? toMicrometres(v, unit) : undefined;
  };
  const x = value(nameX);
  const y = value(nameY);
  return x === undefined || y === undefined ? undefined : { x, y };
}
