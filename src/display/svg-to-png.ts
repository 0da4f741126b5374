import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';

const require = createRequire(import.meta.url);
let fontFiles: string[] | undefined;

/** DejaVu Sans from the dejavu-fonts-ttf package, so text renders the same on any machine. */
function fonts(): string[] {
  if (!fontFiles) {
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fontFiles = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => join(dir, f));
  }
  return fontFiles;
}

/**
 * Rasterises SVG text (e.g. from `renderPlot`) to PNG bytes with resvg, using the bundled DejaVu Sans
 * (no system fonts, no native canvas). `scale` multiplies the SVG's size (default 2, for sharp text).
 */
export function svgToPng(svg: string, options: { scale?: number } = {}): Uint8Array {
  const scale = options.scale ?? 2;
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: fonts(), loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
    background: 'white',
  });
  return new Uint8Array(r.render().asPng());
}
