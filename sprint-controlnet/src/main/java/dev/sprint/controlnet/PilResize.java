package dev.sprint.controlnet;

import dev.sprint.api.InvalidRequestException;
/**
 * Pillow's {@code Image.resize(size, Image.LANCZOS)} for 8-bit RGB, bit for bit: the separable
 * two-pass convolution of Pillow's {@code Resample.c} (horizontal pass first, 8-bit intermediate),
 * Lanczos-3 weights normalised per output pixel and quantised to 22-bit fixed point, rounding by
 * adding half before the shift, clipping to 0..255. diffusers' {@code VaeImageProcessor.resize}
 * uses exactly this for PIL inputs (its default resample is "lanczos"), so a control image of
 * another size is resized as the reference resizes it.
 */
public final class PilResize {
    private PilResize() {}

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 3.0;

    private static double sinc(double x) {
        if (x == 0.0) return 1.0;
        x = x * Math.PI;
        return Math.sin(x) / x;
    }

    private static double lanczos(double x) {
        // truncated sinc (Pillow's lanczos_filter)
        if (-3.0 <= x && x < 3.0) return sinc(x) * sinc(x / 3.0);
        return 0.0;
    }

    /** Per output index: first source index, tap count, fixed-point taps. */
    private record Coeffs(int[] min, int[] count, int[][] k) {}

    private static Coeffs coeffs(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int[] mins = new int[outSize];
        int[] counts = new int[outSize];
        int[][] ks = new int[outSize][];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            double[] w = new double[xmax];
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                w[x] = lanczos((x + xmin - center + 0.5) * ss);
                ww += w[x];
            }
            int[] k = new int[xmax];
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? w[x] / ww : w[x];
                // normalize_coeffs_8bpc: round half away from zero into fixed point
                k[x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            mins[xx] = xmin;
            counts[xx] = xmax;
            ks[xx] = k;
        }
        return new Coeffs(mins, counts, ks);
    }

    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * Resizes HWC RGB bytes from {@code w×h} to {@code outW×outH}; the input is returned (copied)
     * when the size is unchanged, as Pillow does.
     */
    public static byte[] lanczosRgb(byte[] rgb, int w, int h, int outW, int outH) {
        if (rgb.length != w * h * 3) throw new InvalidRequestException("rgb has " + rgb.length + " bytes, expected " + w + "x" + h + "x3");
        if (outW < 1 || outH < 1) throw new InvalidRequestException("target size " + outW + "x" + outH);
        byte[] cur = rgb.clone();
        int curW = w;
        if (outW != w) {
            Coeffs c = coeffs(w, outW);
            byte[] tmp = new byte[outW * h * 3];
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < outW; xx++) {
                    int[] k = c.k[xx];
                    int xmin = c.min[xx];
                    for (int ch = 0; ch < 3; ch++) {
                        int acc = 1 << (PRECISION_BITS - 1);
                        for (int x = 0; x < c.count[xx]; x++) {
                            acc += (cur[(y * w + x + xmin) * 3 + ch] & 0xFF) * k[x];
                        }
                        tmp[(y * outW + xx) * 3 + ch] = (byte) clip8(acc);
                    }
                }
            }
            cur = tmp;
            curW = outW;
        }
        if (outH != h) {
            Coeffs c = coeffs(h, outH);
            byte[] tmp = new byte[curW * outH * 3];
            for (int yy = 0; yy < outH; yy++) {
                int[] k = c.k[yy];
                int ymin = c.min[yy];
                for (int x = 0; x < curW; x++) {
                    for (int ch = 0; ch < 3; ch++) {
                        int acc = 1 << (PRECISION_BITS - 1);
                        for (int y = 0; y < c.count[yy]; y++) {
                            acc += (cur[((y + ymin) * curW + x) * 3 + ch] & 0xFF) * k[y];
                        }
                        tmp[(yy * curW + x) * 3 + ch] = (byte) clip8(acc);
                    }
                }
            }
            cur = tmp;
        }
        return cur;
    }
}
