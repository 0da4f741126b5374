import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform } from '../transform.js';

/** Returns its input unchanged (MONAI `Identity`); handy to test pipelines. */
export class Identity extends Transform<unknown> {
  async apply(input: unknown): Promise<unknown> {
    return input;
  }
}

/** Dictionary twin of {@link Identity}: a shallow copy of the item, the given keys untouched (missing keys are still an error). */
export class Identityd extends MapTransform<DataItem, MapTransformOptions> {
  constructor(options: MapTransformOptions) {
    super(options);
  }

  async apply(data: DataItem): Promise<DataItem> {
    this.keyIterator(data);
    return { ...data };
  }
}
