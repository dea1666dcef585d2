import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { barPlot, barPlotSpec, linePlot, linePlotSpec, saveFigure, trimSvg, type Figure } from './plot.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Checks the PNG is well formed, of the size the figure claims, and not blank. */
function checkPng(fig: Figure): void {
  expect(fig.png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  const img = PNG.sync.read(fig.png);
  expect([img.width, img.height]).toEqual([fig.width, fig.height]);
  expect(fig.width).toBeGreaterThan(400);
  expect(fig.width).toBeLessThan(4000);
  expect(fig.height).toBeGreaterThan(200);
  expect(fig.height).toBeLessThan(3000);
  let dark = 0;
  for (let i = 0; i < img.data.length; i += 4) if (img.data[i]! < 128) dark++;
  expect(dark).toBeGreaterThan(500);
}

/** The y encoding of a (possibly faceted) vega-lite spec. */
function yScaleType(spec: unknown): unknown {
  const s = spec as {
    encoding?: { y: { scale?: { type?: string } } };
    spec?: { encoding: { y: { scale?: { type?: string } } } };
  };
  return (s.encoding ?? s.spec?.encoding)?.y.scale?.type;
}

const losses = [0, 1].map((m) => ({
  name: `module ${m + 1}`,
  points: Array.from({ length: 50 }, (_, i) => [i * 10, 5 / (1 + i / 10) + m] as [number, number]),
}));

describe('linePlot', () => {
  it('draws SVG with the title and axis labels, and a PNG', async () => {
    const fig = await linePlot({
      series: losses,
      title: 'Loss per module',
      xLabel: 'training step',
      yLabel: 'InfoNCE loss',
    });
    expect(fig.svg).toContain('Loss per module');
    expect(fig.svg).toContain('training step');
    expect(fig.svg).toContain('InfoNCE loss');
    expect(fig.svg).toContain('module 2');
    expect(fig.svg).toContain('font-family="DejaVu Sans"');
    checkPng(fig);
  });

  it('uses a log y scale for logY, and leaves out points it cannot draw', () => {
    const series = [
      {
        name: 'a',
        points: [
          [0, 1],
          [1, 0],
          [2, -1],
          [3, NaN],
          [4, 0.5],
        ] as [number, number][],
      },
    ];
    const lin = linePlotSpec({ series, title: 't', xLabel: 'x', yLabel: 'y' });
    const log = linePlotSpec({ series, title: 't', xLabel: 'x', yLabel: 'y', logY: true });
    expect(yScaleType(lin)).toBeUndefined();
    expect(yScaleType(log)).toBe('log');
    const xs = (s: unknown) => (s as { data: { values: { x: number }[] } }).data.values.map((v) => v.x);
    expect(xs(lin)).toEqual([0, 1, 2, 4]);
    expect(xs(log)).toEqual([0, 4]);
    const facet = linePlotSpec({ series, title: 't', xLabel: 'x', yLabel: 'y', logY: true, facet: { columns: 2 } });
    expect(yScaleType(facet)).toBe('log');
    expect((facet as { columns?: number }).columns).toBe(2);
  });

  it('draws one panel per series panel when faceted', async () => {
    const series = losses.flatMap((s) => [
      { ...s, name: 'train', panel: s.name },
      { ...s, name: 'val', panel: s.name, points: s.points.map(([x, y]) => [x, y + 0.1] as [number, number]) },
    ]);
    const fig = await linePlot({ series, title: 'Faceted', xLabel: 'step', yLabel: 'loss', facet: true, logY: true });
    expect(fig.svg).toContain('module 1');
    expect(fig.svg).toContain('module 2');
    checkPng(fig);
  });
});

describe('barPlot', () => {
  const bars = ['conv 1', 'conv 2', 'GRU'].flatMap((g, i) => [
    { group: g, name: 'CPC', value: 40 / (i + 1) },
    { group: g, name: 'GIM', value: 30 / (i + 1) },
  ]);

  it('draws grouped bars with title and axis labels', async () => {
    const fig = await barPlot({
      bars,
      title: 'Speaker error',
      xLabel: 'layer',
      yLabel: 'error (%)',
      labelFormat: '.1f',
    });
    expect(fig.svg).toContain('Speaker error');
    expect(fig.svg).toContain('layer');
    expect(fig.svg).toContain('error (%)');
    expect(fig.svg).toContain('40.0');
    checkPng(fig);
  });

  it('on a log scale, draws every bar with a height', async () => {
    const spec = barPlotSpec({ bars, title: 't', xLabel: 'x', yLabel: 'y', logY: true });
    expect(yScaleType(spec)).toBe('log');
    // Smallest value 10, largest 40: whole decades with the floor a decade below 10.
    expect((spec as { encoding: { y: { scale: { domain: number[] } } } }).encoding.y.scale.domain).toEqual([1, 100]);
    const fig = await barPlot({ bars, title: 'Log bars', xLabel: 'layer', yLabel: 'error (%)', logY: true });
    const heights = [...fig.svg!.matchAll(/aria-roledescription="bar" d="M[-\d.]+,[-\d.]+h[-\d.]+v([-\d.]+)/g)].map(
      (m) => Number(m[1]),
    );
    expect(heights).toHaveLength(6);
    for (const h of heights) expect(h).toBeGreaterThan(10);
    checkPng(fig);
  });
});

describe('trimSvg / saveFigure', () => {
  it('fits the canvas to what is drawn, plus a margin', () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">' +
      '<rect width="100" height="100" fill="white"/><rect x="10" y="20" width="30" height="40" fill="black"/></svg>';
    expect(trimSvg(svg)).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" width="42" height="52" viewBox="4 14 42 52">' +
        '<rect x="4" y="14" width="42" height="52" fill="white"/><rect x="10" y="20" width="30" height="40" fill="black"/></svg>',
    );
  });

  it('writes .svg and .png and leaves no temporary files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gim-fig-'));
    try {
      const fig = await linePlot({ series: losses, title: 'Saved', xLabel: 'x', yLabel: 'y' });
      const base = join(dir, 'figures', 'loss');
      expect(saveFigure(base, fig)).toEqual([`${base}.svg`, `${base}.png`]);
      expect(readFileSync(`${base}.png`).equals(fig.png)).toBe(true);
      expect(readFileSync(`${base}.svg`, 'utf8')).toBe(fig.svg);
      expect(readdirSync(join(dir, 'figures')).sort()).toEqual(['loss.png', 'loss.svg']);
      saveFigure(join(dir, 'png-only'), { png: fig.png, width: fig.width, height: fig.height });
      expect(existsSync(join(dir, 'png-only.svg'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
