/** The package's version, read from its package.json (the folder above src/ or dist/). */
import fs from 'node:fs';

export function packageVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown };
  if (typeof json.version !== 'string') throw new Error(`${file.pathname}: no version`);
  return json.version;
}
