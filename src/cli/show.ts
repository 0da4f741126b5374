import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LoadImage } from '../../transforms/io/load-image.js';
import { type Colormap, sliceMontage } from '../display/index.js';
import { ConfigError } from '../errors.js';
import { MetaImage } from '../image/meta-image.js';
import type { XnatConfig } from '../xnat/config.js';
import { XnatDownloadCache } from '../xnat/download.js';
import { scanImage } from '../xnat/scan-images.js';
import { XnatSession } from '../xnat/session.js';

const USAGE = `usage: csc-mlops show FILE|DIR [options]
       csc-mlops show --xnat PROJECT/SUBJECT/EXPERIMENT/SCAN [options]

Writes a PNG montage of slices (NIfTI, DICOM file or series folder, .npy; or an XNAT scan).
options:
  --axis 0|1|2          axis to slice across (default 2)
  --slices N|I,J,K      how many evenly spaced slices (default 9) or which ones
  --overlay LABEL       a label image drawn over the slices (same grid)
  --opacity A           overlay opacity 0-1 (default 0.4)
  --window C,W          window center and width (default: 0.5-99.5 percentiles)
  --colormap NAME       gray (default), hot, bone, viridis, magma, inferno, plasma
  --zoom N              integer magnification (default 1)
  --out FILE            the PNG to write (default NAME.png in the current folder)
  --server URL --user NAME --password PASS   XNAT (else XNAT_HOST / XNAT_USER / XNAT_PASS or ~/.netrc)
`;

/** Where `show` writes its messages (tests inject these). */
export interface ShowIo {
  stdout?: (t: string) => void;
  env?: Record<string, string | undefined>;
}

function numberList(flag: string, text: string): number[] {
  const v = text.split(',').map((s) => Number(s.trim()));
  if (v.some((x) => !Number.isFinite(x)))
    throw new ConfigError(`${flag} takes numbers separated by commas (got '${text}')`);
  return v;
}

async function load(path: string): Promise<MetaImage> {
  return (await new LoadImage({ ensureChannelFirst: true }).apply(path)) as MetaImage;
}

/** `csc-mlops show`: a PNG montage of an image file, series folder or XNAT scan. Returns the exit code. */
export async function runShow(args: string[], io: ShowIo = {}): Promise<number> {
  const out = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      xnat: { type: 'string' },
      axis: { type: 'string' },
      slices: { type: 'string' },
      overlay: { type: 'string' },
      opacity: { type: 'string' },
      window: { type: 'string' },
      colormap: { type: 'string' },
      zoom: { type: 'string' },
      out: { type: 'string' },
      server: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if ((positionals.length === 1) === (values.xnat !== undefined))
    throw new ConfigError(`show takes one FILE|DIR or --xnat PROJECT/SUBJECT/EXPERIMENT/SCAN\n${USAGE}`);

  let image: MetaImage;
  let name: string;
  if (values.xnat !== undefined) {
    const parts = values.xnat.split('/').filter((p) => p !== '');
    if (parts.length !== 4)
      throw new ConfigError(`--xnat takes PROJECT/SUBJECT/EXPERIMENT/SCAN (got '${values.xnat}')`);
    const [project, subject, experiment, scan] = parts.map(encodeURIComponent) as [
      string,
      string,
      string,
      string,
    ];
    const cfg: XnatConfig = { env: io.env ?? process.env, keepAlive: false };
    if (values.server !== undefined) cfg.server = values.server;
    if (values.user !== undefined) cfg.user = values.user;
    if (values.password !== undefined) cfg.password = values.password;
    const session = await XnatSession.connect(cfg);
    try {
      const uri = `/data/projects/${project}/subjects/${subject}/experiments/${experiment}/scans/${scan}`;
      const found = await scanImage(session, new XnatDownloadCache(), uri);
      image = await load(Array.isArray(found.path) ? found.series.dir : found.path);
    } finally {
      await session.close();
    }
    name = parts.join('_');
  } else {
    const path = positionals[0]!;
    image = await load(path);
    name = basename(path).replace(/\.(nii\.gz|nii|npy|dcm)$/i, '');
  }

  const axis = values.axis === undefined ? undefined : Number(values.axis);
  if (axis !== undefined && axis !== 0 && axis !== 1 && axis !== 2)
    throw new ConfigError(`--axis takes 0, 1 or 2 (got '${values.axis}')`);
  const slices =
    values.slices === undefined
      ? undefined
      : values.slices.includes(',')
        ? numberList('--slices', values.slices)
        : numberList('--slices', values.slices)[0]!;
  let window: { center: number; width: number } | undefined;
  if (values.window !== undefined) {
    const w = numberList('--window', values.window);
    if (w.length !== 2) throw new ConfigError(`--window takes CENTER,WIDTH (got '${values.window}')`);
    window = { center: w[0]!, width: w[1]! };
  }
  const png = sliceMontage(image, {
    ...(axis !== undefined ? { axis } : {}),
    ...(slices !== undefined ? { slices } : {}),
    ...(window ? { window } : {}),
    ...(values.overlay !== undefined ? { overlay: await load(values.overlay) } : {}),
    ...(values.opacity !== undefined ? { opacity: numberList('--opacity', values.opacity)[0]! } : {}),
    ...(values.colormap !== undefined ? { colormap: values.colormap as Colormap } : {}),
    ...(values.zoom !== undefined ? { zoom: numberList('--zoom', values.zoom)[0]! } : {}),
  });
  const file = resolve(values.out ?? `${name}.png`);
  await writeFile(file, png);
  out(`${file}: shape [${image.shape.join(', ')}], ${png.length} bytes\n`);
  return 0;
}
