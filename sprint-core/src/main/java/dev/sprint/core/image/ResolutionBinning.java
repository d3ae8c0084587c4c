package dev.sprint.core.image;

import dev.sprint.core.tensor.ResizeMode;
import dev.sprint.core.tensor.Tensor;

/**
 * Aspect-ratio binning of PixArt/Sana pipelines: generate at the table size closest in aspect ratio
 * to the request, then resize (bilinear) and centre-crop back to the requested size.
 */
public final class ResolutionBinning {
    private ResolutionBinning() {}

    /** ASPECT_RATIO_1024_BIN: {ratio, height, width}, in the reference's order (ties go to the first). */
    private static final double[][] BIN_1024 = {
        {0.25, 512, 2048}, {0.28, 512, 1856}, {0.32, 576, 1792}, {0.33, 576, 1728}, {0.35, 576, 1664},
        {0.4, 640, 1600}, {0.42, 640, 1536}, {0.48, 704, 1472}, {0.5, 704, 1408}, {0.52, 704, 1344},
        {0.57, 768, 1344}, {0.6, 768, 1280}, {0.68, 832, 1216}, {0.72, 832, 1152}, {0.78, 896, 1152},
        {0.82, 896, 1088}, {0.88, 960, 1088}, {0.94, 960, 1024}, {1.0, 1024, 1024}, {1.07, 1024, 960},
        {1.13, 1088, 960}, {1.21, 1088, 896}, {1.29, 1152, 896}, {1.38, 1152, 832}, {1.46, 1216, 832},
        {1.67, 1280, 768}, {1.75, 1344, 768}, {2.0, 1408, 704}, {2.09, 1472, 704}, {2.4, 1536, 640},
        {2.5, 1600, 640}, {3.0, 1728, 576}, {4.0, 2048, 512},
    };

    /** The binned {height, width} for a requested size (classify_height_width_bin on the 1024 table). */
    public static int[] bin1024(int height, int width) {
        double ar = (double) height / width;
        double[] best = BIN_1024[0];
        double bestDiff = Math.abs(best[0] - ar);
        for (double[] e : BIN_1024) {
            double d = Math.abs(e[0] - ar);
            if (d < bestDiff) {
                bestDiff = d;
                best = e;
            }
        }
        return new int[] {(int) best[1], (int) best[2]};
    }

    /**
     * {@code resize_and_crop_tensor}: scales (B, C, H, W) by max(newH/H, newW/W) with bilinear
     * interpolation (sizes truncated), then centre-crops to (newH, newW).
     */
    public static Tensor resizeAndCrop(Tensor samples, int newHeight, int newWidth) {
        int h = (int) samples.size(2);
        int w = (int) samples.size(3);
        if (h == newHeight && w == newWidth) return samples;
        double ratio = Math.max((double) newHeight / h, (double) newWidth / w);
        int rw = (int) (w * ratio);
        int rh = (int) (h * ratio);
        Tensor resized = samples.backend().interpolate(samples, rh, rw, ResizeMode.BILINEAR, false);
        int sx = Math.floorDiv(rw - newWidth, 2);
        int sy = Math.floorDiv(rh - newHeight, 2);
        return resized.slice(2, sy, sy + newHeight).slice(3, sx, sx + newWidth);
    }
}
