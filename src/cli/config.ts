/** `gim config --preset <name> [--set k=v] [--keys]`: the resolved config, or every `--set` key with its type. */
import { z } from 'zod';
import { audioConfigSchema } from '../experiments/audio/config.js';
import { applySet } from '../experiments/overrides.js';
import { visionConfigSchema } from '../experiments/vision/config.js';
import { parsePreset } from './presets.js';

export interface ConfigCommandArgs {
  preset: string;
  sets: string[];
  keys: boolean;
}

/** One `--set` key: its dotted path, its type in words, and its value in the resolved config. */
export interface ConfigKey {
  key: string;
  type: string;
  value: unknown;
}

/** configCommand(args): the text `gim config` prints (JSON of the resolved config, or the key table). */
export function configCommand(args: ConfigCommandArgs): string {
  const preset = parsePreset(args.preset);
  let config: object = preset.config();
  for (const flag of args.sets) config = applySet(config, flag);
  if (!args.keys) return JSON.stringify(config, null, 2);
  const schema = preset.experiment === 'audio' ? audioConfigSchema : visionConfigSchema;
  const rows = configKeyTypes(schema, config);
  const width = Math.max(...rows.map((r) => r.key.length));
  const typeWidth = Math.max(...rows.map((r) => r.type.length));
  const lines = rows.map((r) => `${r.key.padEnd(width)}  ${r.type.padEnd(typeWidth)}  ${JSON.stringify(r.value)}`);
  const valueTitle = args.sets.length === 0 ? `default (${preset.name})` : `value (${preset.name} with --set)`;
  return [`${'key'.padEnd(width)}  ${'type'.padEnd(typeWidth)}  ${valueTitle}`, ...lines].join('\n');
}

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
};

/** configKeyTypes(schema, config): every leaf key of the schema (arrays are leaves) with its type and value. */
export function configKeyTypes(schema: z.ZodType, config: object): ConfigKey[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: ConfigKey[] = [];
  const walk = (node: JsonSchema, value: unknown, keyPath: string): void => {
    for (const [k, child] of Object.entries(node.properties ?? {})) {
      const key = keyPath === '' ? k : `${keyPath}.${k}`;
      const v = (value as Record<string, unknown> | undefined)?.[k];
      if (child.type === 'object' && child.properties !== undefined) walk(child, v, key);
      else rows.push({ key, type: describeType(child), value: v });
    }
  };
  walk(json, config, '');
  return rows;
}

/** A JSON-schema type in words: `integer > 0`, `number ≥ 0`, `'infonce' | 'speaker'`, `integer > 0 | null`, … */
function describeType(s: JsonSchema): string {
  if (s.anyOf !== undefined) return s.anyOf.map(describeType).join(' | ');
  if (s.enum !== undefined) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.type === 'array') return `array of ${s.items === undefined ? 'any' : describeType(s.items)}`;
  if (s.type === 'integer' || s.type === 'number') {
    const bounds: string[] = [];
    if (s.exclusiveMinimum !== undefined) bounds.push(`> ${s.exclusiveMinimum}`);
    else if (s.minimum !== undefined && s.minimum > Number.MIN_SAFE_INTEGER) bounds.push(`≥ ${s.minimum}`);
    if (s.exclusiveMaximum !== undefined) bounds.push(`< ${s.exclusiveMaximum}`);
    else if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) bounds.push(`≤ ${s.maximum}`);
    return [s.type, ...bounds].join(' ');
  }
  return s.type ?? 'any';
}
