/**
 * Natural order of file names, as microscopists number frames: runs of digits compare as numbers
 * (`A1_2` before `A1_10`, `t9` before `t10`), everything else by code point, so the order does not
 * depend on the locale. Equal numbers written differently (`t01`, `t1`) fall back to code points,
 * so the order is total and deterministic.
 */
export function naturalCompare(a: string, b: string): number {
  const chunks = /(\d+)|(\D+)/g;
  const left = a.match(chunks) ?? [];
  const right = b.match(chunks) ?? [];
  for (let k = 0; k < Math.min(left.length, right.length); k++) {
    const x = left[k]!;
    const y = right[k]!;
    const xDigits = x.charCodeAt(0) >= 48 && x.charCodeAt(0) <= 57;
    const yDigits = y.charCodeAt(0) >= 48 && y.charCodeAt(0) <= 57;
    if (xDigits && yDigits) {
      // Compare values without Number(): digits runs may exceed 2^53.
      const xs = x.replace(/^0+(?=\d)/, '');
      const ys = y.replace(/^0+(?=\d)/, '');
      if (xs.length !== ys.length) return xs.length - ys.length;
      if (xs !== ys) return xs < ys ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  if (left.length !== right.length) return left.length - right.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
