/**
 * A gallery file's label is the name of the folder it is in (`gallery/sneaker/1.png` → sneaker). Labels that are not
 * plain file names are written percent-encoded (`T-shirt/top` → `T-shirt%2Ftop`) and read back decoded.
 */
import path from 'node:path';

/** labelFolder(label): the folder name that holds a label's files. */
export function labelFolder(label: string): string {
  return label === '.' || label === '..' ? encodeURIComponent(label).replace(/\./g, '%2E') : encodeURIComponent(label);
}

/** labelOfFile(file): the label of a gallery file, its folder's name (percent-decoded where it decodes). */
export function labelOfFile(file: string): string {
  const folder = path.basename(path.dirname(path.resolve(file)));
  try {
    return decodeURIComponent(folder);
  } catch {
    return folder;
  }
}
