import { afterEach, describe, expect, it, vi } from 'vitest';
import { configKeys } from '../experiments/overrides.js';
import { configCommand } from './config.js';
import { PRESETS } from './names.js';
import { parsePreset } from './presets.js';
import { buildProgram } from './program.js';

/** The program with commander's own error output kept quiet and errors thrown instead of exiting. */
function program() {
  const p = buildProgram();
  for (const c of [p, ...p.commands]) c.exitOverride().configureOutput({ writeErr: () => undefined });
  return p;
}

describe('gim config', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints the resolved config of every preset as JSON, with --set applied', () => {
    for (const name of PRESETS)
      expect(JSON.parse(configCommand({ preset: name, sets: [], keys: false })), name).toEqual(
        parsePreset(name).config(),
      );
    const patched = JSON.parse(configCommand({ preset: 'audio-tiny', sets: ['train.steps=3'], keys: false })) as {
      train: { steps: number };
    };
    expect(patched.train.steps).toBe(3);
  });

  it('--keys lists every leaf key with its type and default', () => {
    for (const name of PRESETS) {
      const config = parsePreset(name).config();
      const table = configCommand({ preset: name, sets: [], keys: true });
      const listed = table
        .split('\n')
        .slice(1)
        .map((line) => line.split(/\s+/)[0]);
      const isSection = (key: string) => configKeys(config).some((k) => k.startsWith(`${key}.`));
      expect(listed, name).toEqual(configKeys(config).filter((k) => !isSection(k)));
    }
    const audio = configCommand({ preset: 'audio-tiny', sets: [], keys: true });
    expect(audio).toMatch(/^train\.steps\s+integer ≥ 0\s+6$/m);
    expect(audio).toMatch(
      /^train\.mode\s+"simultaneous" \| "iterative" \| "async" \| "distributed"\s+"simultaneous"$/m,
    );
    expect(audio).toMatch(/^model\.window\s+integer > 0 \| null\s+null$/m);
  });

  it('runs from the command line and suggests the nearest key for a mistyped --set', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await program().parseAsync(['config', '--preset', 'vision-tiny', '--keys'], { from: 'user' });
    expect(String(log.mock.calls[0]?.[0])).toMatch(/^data\.root\s+string\s+"\/usr\/share\/datasets\/fashion-mnist"$/m);
    await expect(
      program().parseAsync(['config', '--preset', 'vision-tiny', '--set', 'train.step=3'], { from: 'user' }),
    ).rejects.toThrow(/unknown key 'train\.step' \(did you mean 'train\.steps'\?\)/);
    await expect(
      program().parseAsync(['train', '--preset', 'audio-tiny', '--set', 'model.chanels=8'], { from: 'user' }),
    ).rejects.toThrow(/did you mean 'model\.channels'\?/);
    await expect(program().parseAsync(['config', '--preset', 'audio-tinny'], { from: 'user' })).rejects.toThrow(
      /unknown preset 'audio-tinny' \(did you mean 'audio-tiny'\?/,
    );
  });

  it('--set __proto__ is refused before any work, and Object.prototype is unchanged', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).map((k) => [k, Reflect.get(Object.prototype, k)]);
    for (const flag of ['__proto__.toString=1', '__proto__.hasOwnProperty=1', 'constructor.name=1'])
      await expect(
        program().parseAsync(['train', '--preset', 'audio-tiny', '--set', flag], { from: 'user' }),
        flag,
      ).rejects.toThrow(/is not allowed in a config key/);
    await expect(
      program().parseAsync(['reproduce', 'audio', '--set', 'train.prototype.x=1'], { from: 'user' }),
    ).rejects.toThrow(/'prototype' is not allowed/);
    expect(Object.getOwnPropertyNames(Object.prototype).map((k) => [k, Reflect.get(Object.prototype, k)])).toEqual(
      before,
    );
  });
});
