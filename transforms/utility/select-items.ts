import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';

/**
 * Keeps only the given keys (MONAI `SelectItemsd`); a missing key is an error unless `allowMissingKeys`.
 *
 * @example
 * new SelectItemsd({ keys: ['image', 'label'] });
 */
export class SelectItemsd extends MapTransform<DataItem, MapTransformOptions> {
  constructor(options: MapTransformOptions) {
    super(options);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const out: DataItem = {};
    for (const key of this.keyIterator(data)) out[key] = data[key];
    return out;
  }
}
