#!/usr/bin/env node
// The `gim` command. In a checkout (src/ and tsx present) it runs the TypeScript sources, so it never runs a stale
// build; an installed package without src/ runs the compiled dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
let tsx = null;
if (existsSync(source)) {
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    tsx = null;
  }
}
if (tsx !== null) {
  tsx.register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(path.join(root, 'dist', 'cli', 'main.js')).href);
}
