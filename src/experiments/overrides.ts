/** Layered configuration: defaults → preset → `--set key=value` flags (dotted paths, JSON values). */
import type { z } from 'zod';
import { nearestName } from '../util/nearest.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Key segments that would reach an object's prototype instead of a config key. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parse `a.b.c=value`; the value is JSON when it parses as JSON, else a plain string. */
export function parseSet(flag: string): { path: string[]; value: Json } {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new Error(`--set ${flag}: expected key=value, e.g. train.steps=200`);
  const path = flag.slice(0, eq).split('.');
  if (path.some((p) => p === '')) throw new Error(`--set ${flag}: empty key segment`);
  const forbidden = path.find((p) => FORBIDDEN_SEGMENTS.has(p));
  if (forbidden !== undefined) throw new Error(`--set ${flag}: '${forbidden}' is not allowed in a config key`);
  const raw = flag.slice(eq + 1);
  let value: Json;
  try {
    value = JSON.parse(raw) as Json;
  } catch {
    value = raw;
  }
  return { path, value };
}

/** applySet(config, flag): a copy of config with the dotted key replaced; unknown keys are errors. */
export function applySet<T extends object>(config: T, flag: string): T {
  const { path, value } = parseSet(flag);
  const copy = structuredClone(config) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (let i = 0; i < path.length - 1; i++) {
    const section = path.slice(0, i + 1).join('.');
    if (!Object.hasOwn(node, path[i]!)) throw new Error(unknownKeyMessage(flag, section, config));
    const next = node[path[i]!];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new Error(`--set ${flag}: '${section}' is not a config section`);
    }
    node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (!Object.hasOwn(node, last)) throw new Error(unknownKeyMessage(flag, path.join('.'), config, node));
  node[last] = value;
  return copy as T;
}

/** configKeys(config): every dotted key of a config, sections and leaves (arrays are leaves). */
export function configKeys(config: object, prefix = ''): string[] {
  const keys: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    keys.push(key);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) keys.push(...configKeys(v as object, key));
  }
  return keys;
}

function unknownKeyMessage(flag: string, key: string, config: object, section?: object): string {
  const suggestion = nearestName(key, configKeys(config));
  const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
  const known = section === undefined ? '' : ` Known here: ${Object.keys(section).join(', ')}.`;
  return `--set ${flag}: unknown key '${key}'${hint}.${known} Every key: gim config --preset <name> --keys`;
}

/** deepMerge(base, patch): patch's leaves replace base's; arrays are replaced whole. */
export function deepMerge<T>(base: T, patch: DeepPartial<T>): T {
  if (patch === undefined) return base;
  if (base === null || typeof base !== 'object' || Array.isArray(base)) return patch as T;
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === undefined) continue;
    out[k] = deepMerge((base as Record<string, unknown>)[k], v as never);
  }
  return out as T;
}

/** parseConfig(schema, value, what): validate against a zod schema, with errors naming the offending key. */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new Error(`invalid ${what} config:\n  ${issues.join('\n  ')}`);
  }
  return r.data;
}

export type DeepPartial<T> = T extends (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** mergePatches(p1, p2, …): one patch equal to applying p1, then p2, … (later leaves win; arrays replaced whole). */
export function mergePatches<T>(...patches: DeepPartial<T>[]): DeepPartial<T> {
  return patches.reduce<DeepPartial<T>>(
    (acc, p) => deepMerge(acc, p as DeepPartial<DeepPartial<T>>),
    {} as DeepPartial<T>,
  );
}
