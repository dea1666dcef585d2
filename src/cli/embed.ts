/** `gim embed` and `gim pack`: thin wrappers over src/experiments/embed.ts and pack.ts that print what was written. */
import { embedFiles, type EmbedFilesArgs } from '../experiments/embed.js';
import { packRun } from '../experiments/pack.js';
import { packageVersion } from './version.js';

/** A one-line progress display on a terminal (rewritten in place); nothing elsewhere. */
function progressLine(): EmbedFilesArgs['onProgress'] {
  if (process.stderr.isTTY !== true) return undefined;
  return (file, index, files, done, total) => {
    const width = 24;
    const filled = Math.round((done / total) * width);
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] file ${index + 1}/${files} ${file} ${done}/${total}\x1b[K`,
    );
    if (index + 1 === files && done === total) process.stderr.write('\n');
  };
}

/** embedCommand(args): embed the inputs and print the rows and files written; returns the exit code. */
export async function embedCommand(args: Omit<EmbedFilesArgs, 'onProgress'>): Promise<number> {
  const progress = progressLine();
  const summary = await embedFiles({ ...args, ...(progress === undefined ? {} : { onProgress: progress }) });
  console.log(
    `${summary.rows} rows of shape [${summary.rowShape.join(', ')}] from ${summary.files - summary.skipped} files` +
      `${summary.skipped > 0 ? ` (${summary.skipped} skipped)` : ''} → ${summary.written.join(', ')}`,
  );
  return 0;
}

/** packCommand(args): pack the run and print the file and its model card's summary; returns the exit code. */
export async function packCommand(args: { run: string; out: string; overwrite: boolean }): Promise<number> {
  const card = await packRun({ ...args, packageVersion: packageVersion() });
  const probes = Object.keys(card.probes);
  console.log(
    `${args.out}: ${card.experiment} encoder '${card.name}', step ${card.step}` +
      `${probes.length > 0 ? `, probe accuracies: ${probes.join(', ')}` : ', not evaluated'}`,
  );
  return 0;
}
