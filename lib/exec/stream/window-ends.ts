// The ends of a windowed operator's open windows, ascending. Windows close in end order, so
// closed ends are dropped from the front in bulk by moving a head index (removing the first
// element per close would move the whole array each time); the array is compacted once the
// dropped part is most of it. Shared by the windowed aggregate and window extremum rows.

export class WindowEnds {
  /** the open ends, ascending, from `head` on (entries before it are dropped) */
  list: number[] = [];
  head = 0;

  /** Adds an end not held yet, in order (a later window, the usual case, is a push). */
  insert(end: number): void {
    const ends = this.list;
    if (ends.length === this.head || end > ends[ends.length - 1]!) {
      ends.push(end);
      return;
    }
    let lo = this.head;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! < end) lo = mid + 1;
      else hi = mid;
    }
    ends.splice(lo, 0, end);
  }

  /** Drops the ends before index `next` (closed). */
  dropBefore(next: number): void {
    if (next === this.list.length) this.clear();
    else if (next >= 1024 && next * 2 >= this.list.length) {
      this.list = this.list.slice(next);
      this.head = 0;
    } else this.head = next;
  }

  clear(): void {
    this.list = [];
    this.head = 0;
  }
}
