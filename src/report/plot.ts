/**
 * Figures as vega-lite specs, compiled to vega, drawn headless to SVG, and rasterised to PNG by resvg with system
 * fonts (DejaVu Sans, installed by scripts/setup.sh as fonts-dejavu-core). saveFigure writes .svg and .png
 * atomically (tmp + rename).
 */
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../util/fs.js';

/** The font every figure is drawn in. */
export const FONT = 'DejaVu Sans';

export interface Figure {
  /** The figure as SVG, when it was drawn as one. */
  svg?: string;
  png: Buffer;
  /** PNG size in pixels. */
  width: number;
  height: number;
  /** The vega-lite spec, for figures drawn from one. */
  spec?: TopLevelSpec;
}

/** Shared vega-lite config: one font, white background, quiet grid. */
export const VEGA_CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: '#bbbbbb' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#ececec' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 240 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 14, fontWeight: 'bold', anchor: 'start', offset: 10 },
  line: { strokeWidth: 1.6 },
} as const;

const FONT_OPTIONS = { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT };

/** Rasterise SVG with system fonts; `scale` is the zoom (2 gives print-friendly pixel density). */
export function svgToPng(svg: string, scale = 1): { png: Buffer; width: number; height: number } {
  const resvg = new Resvg(svg, {
    font: FONT_OPTIONS,
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    background: 'white',
    imageRendering: 1, // optimizeSpeed: embedded raster images scale by nearest neighbour
    shapeRendering: 2,
    textRendering: 1,
  });
  const img = resvg.render();
  return { png: img.asPng(), width: img.width, height: img.height };
}

/**
 * Fit a vega SVG's canvas to what is drawn, plus a margin. Headless vega has no font metrics, so it sizes text by an
 * estimate that runs wide (blank space right of legends); resvg measures the real glyphs.
 */
export function trimSvg(svg: string, margin = 6): string {
  const root = /^<svg\b[^>]*>/.exec(svg);
  if (!root) return svg;
  // vega's full-canvas background rect comes first; leave it out of the measurement and add a new one.
  const body = svg.slice(root[0].length).replace(/^<rect width="[\d.]+" height="[\d.]+" fill="[^"]*"\/>/, '');
  // vega's group backgrounds without fill or stroke are invisible but sized by the text estimate; resvg counts them.
  const visible = body.replace(/<path class="background"(?![^>]*\b(?:fill|stroke)=)[^>]*\/>/g, '');
  const bbox = new Resvg(root[0] + visible, { font: FONT_OPTIONS }).getBBox();
  if (!bbox) return svg;
  const x = Math.floor(bbox.x - margin);
  const y = Math.floor(bbox.y - margin);
  const w = Math.ceil(bbox.x + bbox.width + margin) - x;
  const h = Math.ceil(bbox.y + bbox.height + margin) - y;
  const tag = root[0]
    .replace(/\swidth="[^"]*"/, ` width="${w}"`)
    .replace(/\sheight="[^"]*"/, ` height="${h}"`)
    .replace(/\sviewBox="[^"]*"/, ` viewBox="${x} ${y} ${w} ${h}"`);
  return `${tag}<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="white"/>${body}`;
}

/** Draw a vega-lite spec: SVG by vega (no canvas), trimmed to its content, PNG by resvg. */
export async function renderSpec(spec: TopLevelSpec, scale = 2): Promise<Figure> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = trimSvg(await view.toSVG());
    return { svg, ...svgToPng(svg, scale), spec };
  } finally {
    view.finalize();
  }
}

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  /** The panel this series is drawn in when faceting; default its name. */
  panel?: string;
}

interface PlotCommon {
  title: string;
  xLabel: string;
  yLabel: string;
  logY?: boolean;
  /** Size of one plot panel in SVG pixels (before `scale`). */
  width?: number;
  height?: number;
  /** PNG zoom over the SVG; default 2. */
  scale?: number;
}

export interface LinePlotOptions extends PlotCommon {
  series: readonly Series[];
  logX?: boolean;
  /** One panel per distinct `panel` (or name): true, or with columns and whether y scales are shared. */
  facet?: boolean | { columns?: number; sharedY?: boolean };
  /** Mark each point; default when no series has more than 40 points. */
  showPoints?: boolean;
}

const logScale = (log: boolean | undefined) => (log ? { type: 'log' as const } : { zero: false });

/** The vega-lite spec linePlot draws. Non-finite points, and y ≤ 0 under logY (x ≤ 0 under logX), are left out. */
export function linePlotSpec(o: LinePlotOptions): TopLevelSpec {
  const names = [...new Set(o.series.map((s) => s.name))];
  const panels = [...new Set(o.series.map((s) => s.panel ?? s.name))];
  const values = o.series.flatMap((s) =>
    s.points
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0) && (!o.logX || x > 0))
      .map(([x, y]) => ({ series: s.name, panel: s.panel ?? s.name, x, y })),
  );
  const showPoints = o.showPoints ?? Math.max(0, ...o.series.map((s) => s.points.length)) <= 40;
  const integerX = values.length > 0 && values.every((v) => Number.isInteger(v.x));
  const xScale = { ...logScale(o.logX), ...(showPoints && !o.logX ? { padding: 8 } : {}) };
  const layer = {
    mark: { type: 'line' as const, point: showPoints, clip: true },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative' as const,
        title: o.xLabel,
        scale: xScale,
        axis: integerX ? { tickMinStep: 1, format: o.logX ? '~g' : ',d' } : {},
      },
      y: { field: 'y', type: 'quantitative' as const, title: o.yLabel, scale: logScale(o.logY) },
      color: {
        field: 'series',
        type: 'nominal' as const,
        title: null,
        sort: names,
        scale: { domain: names },
        legend: names.length > 1 ? { orient: 'right' as const } : null,
      },
    },
  };
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: VEGA_CONFIG,
    title: o.title,
    data: { values },
  };
  if (o.facet) {
    const f = typeof o.facet === 'object' ? o.facet : {};
    return {
      ...base,
      facet: { field: 'panel', type: 'nominal', title: null, sort: panels },
      columns: f.columns ?? Math.min(panels.length, 3),
      spec: { width: o.width ?? 220, height: o.height ?? 160, ...layer },
      resolve: { scale: { y: f.sharedY ? 'shared' : 'independent' } },
    } as TopLevelSpec;
  }
  return { ...base, width: o.width ?? 420, height: o.height ?? 260, ...layer } as TopLevelSpec;
}

/** Lines of [x, y] points, one colour per series (loss per step per module; memory vs depth). */
export function linePlot(o: LinePlotOptions): Promise<Figure> {
  return renderSpec(linePlotSpec(o), o.scale);
}

export interface Bar {
  /** Position on the x axis (e.g. the layer). */
  group: string;
  /** Colour within the group (e.g. the method). */
  name: string;
  value: number;
}

export interface BarPlotOptions extends PlotCommon {
  bars: readonly Bar[];
  /** d3 format for value labels above the bars (e.g. '.1f'); no labels when absent. */
  labelFormat?: string;
}

/** The vega-lite spec barPlot draws. Groups and names keep their order of first appearance; non-finite values (and ≤ 0 under logY) are left out. */
export function barPlotSpec(o: BarPlotOptions): TopLevelSpec {
  const groups = [...new Set(o.bars.map((b) => b.group))];
  const names = [...new Set(o.bars.map((b) => b.name))];
  const values = o.bars.filter((b) => Number.isFinite(b.value) && (!o.logY || b.value > 0)).map((b) => ({ ...b }));
  const x = { field: 'group', type: 'nominal' as const, title: o.xLabel, sort: groups, axis: { labelAngle: 0 } };
  const xOffset = { field: 'name', type: 'nominal' as const, sort: names, scale: { paddingInner: 0.05 } };
  // Log bars rise from the bottom of the axis: span whole decades, the lowest a power of ten below the smallest value
  // (so no bar is flat).
  const logs = values.map((b) => Math.log10(b.value));
  const yScale =
    o.logY && logs.length > 0
      ? {
          type: 'log' as const,
          domain: [10 ** Math.floor(Math.min(...logs) - 1e-9), 10 ** Math.ceil(Math.max(...logs))],
        }
      : o.logY
        ? { type: 'log' as const }
        : { zero: true };
  const y = { field: 'value', type: 'quantitative' as const, title: o.yLabel, stack: null, scale: yScale };
  const bars = {
    mark: { type: 'bar' as const },
    encoding: {
      x,
      xOffset,
      y,
      color: {
        field: 'name',
        type: 'nominal' as const,
        title: null,
        sort: names,
        scale: { domain: names },
        legend: names.length > 1 ? { orient: 'right' as const } : null,
      },
    },
  };
  const layers: object[] = [bars];
  if (o.labelFormat) {
    layers.push({
      mark: { type: 'text', baseline: 'bottom', dy: -2, fontSize: 9 },
      encoding: { x, xOffset, y, text: { field: 'value', type: 'quantitative', format: o.labelFormat } },
    });
  }
  const perBar = o.labelFormat ? 30 : 18;
  const width = o.width ?? Math.max(320, groups.length * (names.length * perBar + 14));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: VEGA_CONFIG,
    title: o.title,
    data: { values },
    width,
    height: o.height ?? 260,
    ...(layers.length === 1 ? bars : { layer: layers }),
  } as TopLevelSpec;
}

/** Grouped bars: x = group, one coloured bar per name within it (per-layer speaker error per method). */
export function barPlot(o: BarPlotOptions): Promise<Figure> {
  return renderSpec(barPlotSpec(o), o.scale);
}

/** Write `<path>.png`, and `<path>.svg` when the figure has SVG; returns the paths written. */
export function saveFigure(pathWithoutExt: string, fig: Figure): string[] {
  const written: string[] = [];
  if (fig.svg !== undefined) {
    writeFileAtomic(`${pathWithoutExt}.svg`, fig.svg);
    written.push(`${pathWithoutExt}.svg`);
  }
  writeFileAtomic(`${pathWithoutExt}.png`, fig.png);
  written.push(`${pathWithoutExt}.png`);
  return written;
}
