/**
 * The demo page's gallery: the first test images of a vision run, each with its class and its pooled features
 * (module k's grid averaged to one vector, as the page pools the query's), computed here by libtorch; plus what the
 * page needs to prepare a dropped image the way `gim eval` prepares test images (pad, centre crop, normalise).
 */
import { evalImages, openVisionData } from '../experiments/vision/data.js';
import type { VisionConfig } from '../experiments/vision/config.js';
import type { GradientIsolatedStack } from '../gim/index.js';
import { mean, noGrad, tidy } from '../tensor/index.js';

/** How the page turns a dropped image into the encoder's input. */
export interface ImageInputSpec {
  kind: 'image';
  channels: number;
  /** The data set's image side, before padding (Fashion-MNIST: 28). */
  side: number;
  /** Zero padding to this side, centred (0: none). */
  padTo: number;
  /** Centre crop side (what the encoder sees). */
  crop: number;
  mean: number[];
  std: number[];
}

export interface GalleryItem {
  label: number;
  /** Index in the test split. */
  index: number;
  /** Pooled features of module k. */
  vector: number[];
  /** The image as gray bytes, side × side (thumbnails). */
  pixels: number[];
}

export interface Gallery {
  experiment: 'vision';
  module: number;
  labels: readonly string[];
  input: ImageInputSpec;
  items: GalleryItem[];
}

export interface VisionGalleryArgs {
  config: VisionConfig;
  stack: GradientIsolatedStack;
  /** 1-based module whose features are compared. */
  module: number;
  /** Test images in the gallery (the first ones of the split). */
  size: number;
}

const BYTE_MAX = 255;

/** visionGallery(args): the gallery of the run's first test images. */
export function visionGallery(args: VisionGalleryArgs): Gallery {
  const { config, stack, module } = args;
  const data = openVisionData(config);
  try {
    const n = Math.min(args.size, data.test.n);
    const images = evalImages(config, data.test, n); // x [N, C, crop, crop]
    const vectors = tidy(() => noGrad(() => mean(stack.features(images.x, module - 1)[module - 1]!, [2, 3]).toArray())); // [N·C']
    images.x.dispose();
    images.y.dispose();
    const width = vectors.length / n;
    const items = Array.from({ length: n }, (_, i) => {
      const pixels = Array.from(data.test.image(i).subarray(0, data.test.height * data.test.width), (v) =>
        Math.round(v * BYTE_MAX),
      );
      return { label: data.test.label(i), index: i, vector: vectors.slice(i * width, (i + 1) * width), pixels };
    });
    const norm = data.norm;
    return {
      experiment: 'vision',
      module,
      labels: data.classNames,
      input: {
        kind: 'image',
        channels: config.model.inChannels,
        side: data.test.height,
        padTo: config.data.padTo,
        crop: config.data.crop,
        mean: [...norm.mean],
        std: [...norm.std],
      },
      items,
    };
  } finally {
    data.close();
  }
}
