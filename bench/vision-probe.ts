/**
 * Probe a trained vision run with the vision-small preset's probe protocol (bench/lib/vision-probe.ts), whatever
 * protocol the run was trained under: `npx tsx bench/vision-probe.ts <run> [<run> …]`. Prints one JSON line per run
 * (with every module's scores). `--pixels` probes the standardised pixels of the centre crops instead.
 */
import { probePixels, probeVisionRun } from './lib/vision-probe.js';

const runs = process.argv.slice(2);
if (runs.length === 0) {
  console.error('usage: npx tsx bench/vision-probe.ts <run> [<run> …] | --pixels');
  process.exit(2);
}
if (runs[0] === '--pixels') {
  console.log(JSON.stringify({ pixels: true, ...probePixels() }));
} else {
  for (const run of runs) console.log(JSON.stringify(probeVisionRun(run)));
}
