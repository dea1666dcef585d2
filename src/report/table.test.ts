import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatNumber, formatPercent, markdownTable } from './table.js';

describe('markdownTable', () => {
  it('pads columns, aligns, and marks missing cells', () => {
    const t = markdownTable(
      ['Method', 'Phone acc.', 'Speaker acc.'],
      [
        ['CPC', formatPercent(0.644), formatPercent(0.974)],
        ['Greedy InfoMax', formatPercent(0.624), null],
        ['a|b', 12, 0.5],
      ],
      { align: ['left', 'right', 'center'] },
    );
    expect(t).toBe(
      [
        '| Method         | Phone acc. | Speaker acc. |',
        '| -------------- | ---------: | :----------: |',
        '| CPC            |      64.4% |    97.4%     |',
        '| Greedy InfoMax |      62.4% |      —       |',
        '| a\\|b           |         12 |    0.500     |',
        '',
      ].join('\n'),
    );
  });

  it('rejects ragged rows', () => {
    expect(() => markdownTable(['a', 'b'], [['x']])).toThrow(/row 0 has 1 cells for 2 columns/);
  });
});

describe('number formatting', () => {
  it('formats percentages, numbers, bytes and durations; missing as —', () => {
    expect(formatPercent(0.8234)).toBe('82.3%');
    expect(formatPercent(1, 0)).toBe('100%');
    expect(formatPercent(undefined)).toBe('—');
    expect(formatPercent(NaN)).toBe('—');
    expect(formatNumber(3.14159, 2)).toBe('3.14');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(1.5e-5)).toBe('1.50e-5');
    expect(formatNumber(null)).toBe('—');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatBytes(12)).toBe('12 B');
    expect(formatDuration(12.34)).toBe('12.3 s');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(65)).toBe('1:05');
  });
});
