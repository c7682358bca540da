/**
 * The two sorts Redis's replies depend on, reproduced step for step so that elements comparing
 * equal (points at the same distance) come out in Redis's order:
 *
 * - `libcSort`: glibc's qsort (2.36, the one Redis 7.0 links on Debian), a top-down merge sort
 *   that takes the left element on ties: stable, and with an inconsistent comparator (NaN
 *   distances) it still makes glibc's choices, which Array#sort's TimSort would not.
 * - `partialQuickSort`: Redis's pqsort (Bentley & McIlroy's quicksort that only recurses into
 *   partitions overlapping the wanted ranks [lrange, rrange]), used by GEOSEARCH ... COUNT when
 *   fewer elements are returned than found. Not stable: its swaps decide the order of ties.
 */

export type Comparator<T> = (a: T, b: T) => number;

/** glibc msort_with_tmp: sorts a in place, stable; `tmp` is scratch of at least a.length. */
export function libcSort<T>(a: T[], cmp: Comparator<T>): void {
  if (a.length <= 1) return;
  // Small sorts reuse one scratch array (cleared after, so it holds no references).
  const small = a.length <= SCRATCH_MAX;
  const tmp = small ? (scratch as T[]) : new Array<T>(a.length);
  mergeSort(a, tmp, 0, a.length, cmp);
  if (small) scratch.fill(undefined, 0, a.length);
}

const SCRATCH_MAX = 1024;
const scratch: unknown[] = new Array(SCRATCH_MAX).fill(undefined);

function mergeSort<T>(a: T[], tmp: T[], start: number, n: number, cmp: Comparator<T>): void {
  if (n <= 1) return;
  const n1 = n >>> 1;
  const n2 = n - n1;
  const mid = start + n1;
  mergeSort(a, tmp, start, n1, cmp);
  mergeSort(a, tmp, mid, n2, cmp);
  let i = start;
  let j = mid;
  const iEnd = mid;
  const jEnd = start + n;
  let k = 0;
  while (i < iEnd && j < jEnd) {
    if (cmp(a[i], a[j]) <= 0) tmp[k++] = a[i++];
    else tmp[k++] = a[j++];
  }
  // What is left of the first run follows; the second run's rest is already in place.
  while (i < iEnd) tmp[k++] = a[i++];
  for (let x = 0; x < k; x++) a[start + x] = tmp[x];
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** Swaps the n elements from i with the n elements from j, pairwise in order. */
function swapRuns<T>(a: T[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(a, i + k, j + k);
}

function median3<T>(a: T[], i: number, j: number, k: number, cmp: Comparator<T>): number {
  if (cmp(a[i], a[j]) < 0) {
    if (cmp(a[j], a[k]) < 0) return j;
    return cmp(a[i], a[k]) < 0 ? k : i;
  }
  if (cmp(a[j], a[k]) > 0) return j;
  return cmp(a[i], a[k]) < 0 ? i : k;
}

function insertionSort<T>(a: T[], base: number, n: number, cmp: Comparator<T>): void {
  for (let m = base + 1; m < base + n; m++) {
    for (let l = m; l > base && cmp(a[l - 1], a[l]) > 0; l--) swap(a, l, l - 1);
  }
}

/**
 * Redis's pqsort(a, n, cmp, lrange, rrange): afterwards ranks lrange..rrange (inclusive) hold the
 * elements a full sort would put there, in order; the rest is partitioned around them.
 */
export function partialQuickSort<T>(a: T[], cmp: Comparator<T>, lrange: number, rrange: number): void {
  pqsortFrom(a, 0, a.length, cmp, lrange, rrange);
}

/** Whether the partition [first, first + count) holds any wanted rank. */
function overlaps(first: number, count: number, lrange: number, rrange: number): boolean {
  const last = first + count - 1;
  return !((lrange < first && rrange < first) || (lrange > last && rrange > last));
}

function pqsortFrom<T>(a: T[], base: number, n: number, cmp: Comparator<T>, lrange: number, rrange: number): void {
  for (;;) {
    if (n < 7) {
      insertionSort(a, base, n, cmp);
      return;
    }
    // The pivot: the middle, or a median of three (of three medians when large).
    let pm = base + (n >>> 1);
    if (n > 7) {
      let pl = base;
      let pn = base + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = median3(a, pl, pl + d, pl + 2 * d, cmp);
        pm = median3(a, pm - d, pm, pm + d, cmp);
        pn = median3(a, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = median3(a, pl, pm, pn, cmp);
    }
    swap(a, base, pm);
    // Three-way partition: equal keys gather at both ends, smaller after the left ones, larger
    // before the right ones.
    let pa = base + 1;
    let pb = pa;
    let pc = base + n - 1;
    let pd = pc;
    let swapped = false;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(a[pb], a[base])) <= 0) {
        if (r === 0) {
          swapped = true;
          swap(a, pa, pb);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (r = cmp(a[pc], a[base])) >= 0) {
        if (r === 0) {
          swapped = true;
          swap(a, pc, pd);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      swap(a, pb, pc);
      swapped = true;
      pb++;
      pc--;
    }
    // Nothing moved: the partition looks sorted, finish it by insertion.
    if (!swapped) {
      insertionSort(a, base, n, cmp);
      return;
    }
    const pn = base + n;
    let r = Math.min(pa - base, pb - pa);
    if (r > 0) swapRuns(a, base, pb - r, r);
    r = Math.min(pd - pc, pn - pd - 1);
    if (r > 0) swapRuns(a, pb, pn - r, r);
    r = pb - pa;
    if (r > 1 && overlaps(base, r, lrange, rrange)) pqsortFrom(a, base, r, cmp, lrange, rrange);
    r = pd - pc;
    if (r > 1) {
      base = pn - r;
      n = r;
      if (overlaps(base, n, lrange, rrange)) continue;
    }
    return;
  }
}
