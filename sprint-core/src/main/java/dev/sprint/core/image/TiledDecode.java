package dev.sprint.core.image;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Tiled VAE decoding as diffusers' {@code AutoencoderDC.tiled_decode} / {@code AutoencoderKL.tiled_decode} do it:
 * the latent is cut into overlapping tiles, each tile is decoded on its own (so decoder memory is bounded by the
 * tile, whatever the image size), and each decoded tile is blended into its upper and left neighbours with linear
 * ramps over the overlap, then cropped to the stride. Blending runs on the host, in float32, in diffusers' order
 * (tiles are blended in place, so a tile's right and lower neighbours see its already-blended pixels).
 *
 * <p>This is a documented deviation from untiled decoding: each tile sees only its own part of the latent, so
 * pixels near tile borders differ slightly (the ramps hide the seams). A latent no larger than one tile is
 * decoded untiled, as diffusers does.
 *
 * @param tileH   tile height in latent rows
 * @param tileW   tile width in latent columns
 * @param strideH latent rows between tile starts
 * @param strideW latent columns between tile starts
 * @param blendH  pixel rows blended with the tile above
 * @param blendW  pixel columns blended with the tile to the left
 * @param cropH   pixel rows kept of each tile (before the next one starts)
 * @param cropW   pixel columns kept of each tile
 */
public record TiledDecode(int tileH, int tileW, int strideH, int strideW, int blendH, int blendW, int cropH, int cropW) {
    public TiledDecode {
        if (tileH < 1 || tileW < 1 || strideH < 1 || strideW < 1 || strideH > tileH || strideW > tileW
                || blendH < 0 || blendW < 0 || cropH < 1 || cropW < 1) {
            throw new InvalidRequestException("invalid VAE tiling: tiles " + tileH + "x" + tileW + ", stride " + strideH + "x"
                    + strideW + ", blend " + blendH + "x" + blendW + ", crop " + cropH + "x" + cropW);
        }
    }

    /**
     * diffusers' {@code AutoencoderDC} tiling for a spatial compression {@code f}: 512-pixel tiles every 448
     * pixels (so 64 pixels of overlap are blended).
     */
    public static TiledDecode autoencoderDc(int f) {
        return ofPixels(f, 512, 448);
    }

    /**
     * Tiles of {@code tilePx} pixels every {@code stridePx} pixels, for a VAE with spatial compression {@code f}
     * (DC-AE's parametrisation: blend = tile − stride, crop = stride).
     */
    public static TiledDecode ofPixels(int f, int tilePx, int stridePx) {
        if (tilePx % f != 0 || stridePx % f != 0 || stridePx > tilePx || stridePx < f) {
            throw new InvalidRequestException("VAE tiles of " + tilePx + " px every " + stridePx + " px must be multiples of the "
                    + f + "x compression, with the stride at most the tile");
        }
        return new TiledDecode(tilePx / f, tilePx / f, stridePx / f, stridePx / f, tilePx - stridePx, tilePx - stridePx,
                stridePx, stridePx);
    }

    /**
     * diffusers' {@code AutoencoderKL} tiling: tiles of {@code sampleSize} pixels ({@code config.sample_size}),
     * overlap factor 0.25 ({@code overlap = int(tile_latent · 0.75)}, {@code blend = int(sample · 0.25)},
     * {@code row_limit = sample − blend}).
     */
    public static TiledDecode autoencoderKl(int sampleSize, int f) {
        int tileLatent = sampleSize / f;
        int overlap = (int) (tileLatent * (1 - 0.25));
        int blend = (int) (sampleSize * 0.25);
        return new TiledDecode(tileLatent, tileLatent, overlap, overlap, blend, blend, sampleSize - blend, sampleSize - blend);
    }

    /** Whether a latent of this size is tiled (larger than one tile in either direction, as diffusers decides). */
    public boolean tiles(long latentH, long latentW) {
        return latentH > tileH || latentW > tileW;
    }

    /**
     * Decodes {@code latent} (B, C, h, w) tile by tile with {@code decoder} (latent tile → image tile (B, 3, H, W))
     * and returns the blended image (B, 3, h·f, w·f) as a backend tensor. Each tile is decoded in its own scope,
     * so only one tile's activations are alive at a time; {@code beforeTile} runs before each tile (a
     * cancellation check, progress).
     */
    public Tensor decode(Tensor latent, UnaryOperator<Tensor> decoder, Runnable beforeTile) {
        TensorBackend be = latent.backend();
        long h = latent.size(2);
        long w = latent.size(3);
        List<List<float[]>> rows = new ArrayList<>();
        List<List<int[]>> shapes = new ArrayList<>(); // {height, width} in pixels of each decoded tile
        int b = (int) latent.size(0);
        int c = -1;
        for (long i = 0; i < h; i += strideH) {
            List<float[]> row = new ArrayList<>();
            List<int[]> rowShape = new ArrayList<>();
            for (long j = 0; j < w; j += strideW) {
                beforeTile.run();
                try (Scope s = be.newScope()) {
                    Tensor tile = latent.slice(2, i, Math.min(h, i + tileH)).slice(3, j, Math.min(w, j + tileW));
                    Tensor img = decoder.apply(tile);
                    c = (int) img.size(1);
                    rowShape.add(new int[] {(int) img.size(2), (int) img.size(3)});
                    row.add(be.toFloats(img));
                }
            }
            rows.add(row);
            shapes.add(rowShape);
        }
        // blend in place, in diffusers' order, then crop each tile to the stride and assemble
        int outH = 0;
        int outW = 0;
        for (int[] s : shapes.get(0)) outW += Math.min(cropW, s[1]);
        for (List<int[]> r : shapes) outH += Math.min(cropH, r.get(0)[0]);
        float[] out = new float[Math.multiplyExact(Math.multiplyExact(b * c, outH), outW)];
        int y0 = 0;
        for (int i = 0; i < rows.size(); i++) {
            int x0 = 0;
            for (int j = 0; j < rows.get(i).size(); j++) {
                float[] t = rows.get(i).get(j);
                int[] ts = shapes.get(i).get(j);
                if (i > 0) blendV(rows.get(i - 1).get(j), shapes.get(i - 1).get(j), t, ts, b * c, blendH);
                if (j > 0) blendH(rows.get(i).get(j - 1), shapes.get(i).get(j - 1), t, ts, b * c, blendW);
                int ch = Math.min(cropH, ts[0]);
                int cw = Math.min(cropW, ts[1]);
                for (int p = 0; p < b * c; p++) {
                    for (int y = 0; y < ch; y++) {
                        System.arraycopy(t, (p * ts[0] + y) * ts[1], out, (p * outH + y0 + y) * outW + x0, cw);
                    }
                }
                x0 += cw;
            }
            y0 += Math.min(cropH, shapes.get(i).get(0)[0]);
        }
        return be.fromFloats(out, b, c, outH, outW);
    }

    /** {@code b[:, :, y, :] = a[:, :, -e + y, :] · (1 − y/e) + b[:, :, y, :] · (y/e)} for y < e (float32 math, as torch). */
    static void blendV(float[] a, int[] as, float[] b, int[] bs, int planes, int extent) {
        int e = Math.min(Math.min(as[0], bs[0]), extent);
        int w = bs[1];
        for (int y = 0; y < e; y++) {
            float keep = (float) (1 - (double) y / e);
            float take = (float) ((double) y / e);
            for (int p = 0; p < planes; p++) {
                int ra = (p * as[0] + as[0] - e + y) * as[1];
                int rb = (p * bs[0] + y) * w;
                for (int x = 0; x < w; x++) b[rb + x] = a[ra + x] * keep + b[rb + x] * take;
            }
        }
    }

    /** {@code b[:, :, :, x] = a[:, :, :, -e + x] · (1 − x/e) + b[:, :, :, x] · (x/e)} for x < e. */
    static void blendH(float[] a, int[] as, float[] b, int[] bs, int planes, int extent) {
        int e = Math.min(Math.min(as[1], bs[1]), extent);
        for (int x = 0; x < e; x++) {
            float keep = (float) (1 - (double) x / e);
            float take = (float) ((double) x / e);
            for (int p = 0; p < planes; p++) {
                for (int y = 0; y < bs[0]; y++) {
                    int ia = (p * as[0] + y) * as[1] + as[1] - e + x;
                    int ib = (p * bs[0] + y) * bs[1] + x;
                    b[ib] = a[ia] * keep + b[ib] * take;
                }
            }
        }
    }
}
