/**
 * Rearranges `a[left..right]` in place so that `a[k]` holds the value it would hold if that range were
 * sorted ascending, with smaller-or-equal values before it and greater-or-equal after it
 * (Floyd & Rivest, "Algorithm 489: SELECT", CACM 18(3), 1975). Expected O(n) comparisons; values must
 * not be NaN.
 */
export function selectKth(a: Float64Array, k: number, left = 0, right = a.length - 1): void {
  let l = left;
  let r = right;
  while (r > l) {
    if (r - l > 600) {
      // sample a small range around k to choose pivots close to the k-th value
      const n = r - l + 1;
      const i = k - l + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (i - n / 2 < 0 ? -1 : 1);
      const newLeft = Math.max(l, Math.floor(k - (i * s) / n + sd));
      const newRight = Math.min(r, Math.floor(k + ((n - i) * s) / n + sd));
      selectKth(a, k, newLeft, newRight);
    }
    const t = a[k] as number;
    let i = l;
    let j = r;
    swap(a, l, k);
    if ((a[r] as number) > t) swap(a, l, r);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while ((a[i] as number) < t) i++;
      while ((a[j] as number) > t) j--;
    }
    if (a[l] === t) swap(a, l, j);
    else {
      j++;
      swap(a, j, r);
    }
    if (j <= k) l = j + 1;
    if (k <= j) r = j - 1;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}
