/** Peak resident memory of this process from /proc (Linux): VmHWM, resettable by writing 5 to clear_refs. */
import fs from 'node:fs';

function statusKb(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (m === null) throw new Error(`/proc/self/status has no ${field}`);
  return Number(m[1]);
}

/** Current resident set size in bytes. */
export const rssBytes = (): number => statusKb('VmRSS') * 1024;

/** Peak resident set size (high-water mark) in bytes. */
export const peakRssBytes = (): number => statusKb('VmHWM') * 1024;

/** Reset the high-water mark to the current RSS; false where the kernel does not allow it. */
export function resetPeakRss(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return peakRssBytes() <= rssBytes() + 4 * 1024 * 1024;
  } catch {
    return false;
  }
}
