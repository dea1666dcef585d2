/** `gim reproduce <experiment>`: the paper's tables and figures at one scale. */
import { reproduceAudio } from '../experiments/reproduce-audio.js';
import { reproduceVision } from '../experiments/reproduce-vision.js';
import type { AudioScale } from '../experiments/audio-config.js';
import { parseSet } from '../experiments/overrides.js';

export const EXPERIMENTS = ['audio', 'vision'] as const;

/** --set flags as one nested patch. */
export function patchOf<T>(sets: string[]): T {
  const patch: Record<string, unknown> = {};
  for (const s of sets) {
    const { path, value } = parseSet(s);
    let node = patch;
    for (const k of path.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]!] = value;
  }
  return patch as T;
}

export async function reproduceCommand(experiment: string, scale: AudioScale, sets: string[]): Promise<number> {
  if (experiment === 'vision') {
    const r = await reproduceVision({ scale, patch: patchOf(sets) });
    console.log(`results/vision: table1.md, figure2.png, results.json (${(r.seconds.total / 60).toFixed(1)} min)`);
    return 0;
  }
  if (experiment !== 'audio')
    throw new Error(`reproduce: unknown experiment '${experiment}' (known: ${EXPERIMENTS.join(', ')})`);
  const r = await reproduceAudio({ scale, patch: patchOf(sets) });
  console.log(
    `results/audio: table3.md, table4.md, figure4.png, results.json (${(r.seconds.total / 60).toFixed(1)} min)`,
  );
  return 0;
}
