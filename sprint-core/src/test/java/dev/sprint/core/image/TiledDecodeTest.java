package dev.sprint.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Tiled VAE decoding: diffusers' algorithm (tiles, in-place ramps, crops), and how it relates to untiled decoding. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TiledDecodeTest {
    private final ReferenceBackend be = new ReferenceBackend();
    private AutoencoderDC vae;

    @BeforeAll
    void load() {
        vae = AutoencoderDC.load(Golden.sana().resolve("model/vae"), be);
    }

    @AfterAll
    void close() {
        vae.close();
    }

    private Tensor latent(int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int c = vae.config().latentChannels();
        float[] v = new float[c * h * w];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * 0.8);
        return be.fromFloats(v, 1, c, h, w);
    }

    @Test
    void defaultsAreDiffusers() {
        assertEquals(new TiledDecode(16, 16, 14, 14, 64, 64, 448, 448), TiledDecode.autoencoderDc(32));
        // AutoencoderKL with sample_size 1024, f = 8: latent tiles 128, overlap int(128·0.75) = 96, blend 256, row limit 768
        assertEquals(new TiledDecode(128, 128, 96, 96, 256, 256, 768, 768), TiledDecode.autoencoderKl(1024, 8));
        assertThrows(InvalidRequestException.class, () -> TiledDecode.ofPixels(32, 500, 448));
        assertThrows(InvalidRequestException.class, () -> TiledDecode.ofPixels(32, 448, 512));
    }

    @Test
    void aLatentInsideOneTileIsDecodedUntiled() {
        Tensor z = latent(3, 4, 1);
        float[] plain = be.toFloats(vae.decode(z));
        float[] tiled = be.toFloats(vae.decodeTiled(z, TiledDecode.ofPixels(32, 128, 96), () -> {}));
        assertArrayEquals(plain, tiled);
    }

    @Test
    void tiledDecodeIsDiffusersTiledDecode() {
        TiledDecode t = TiledDecode.ofPixels(32, 128, 96); // tiles of 4 latents every 3: 3x3 tiles, edge tiles smaller
        Tensor z = latent(7, 8, 2);
        int[] calls = {0};
        float[] got = be.toFloats(vae.decodeTiled(z, t, () -> calls[0]++));
        assertEquals(9, calls[0], "one check before each tile");
        float[] want = diffusersTiledDecode(z, t);
        assertEquals(want.length, got.length);
        assertArrayEquals(want, got);
    }

    /** diffusers' AutoencoderDC.tiled_decode written out literally: 4-D arrays, in-place blend_v / blend_h, crop, cat. */
    private float[] diffusersTiledDecode(Tensor z, TiledDecode t) {
        long height = z.size(2);
        long width = z.size(3);
        List<List<float[][][][]>> rows = new ArrayList<>();
        for (long i = 0; i < height; i += t.strideH()) {
            List<float[][][][]> row = new ArrayList<>();
            for (long j = 0; j < width; j += t.strideW()) {
                Tensor tile = z.slice(2, i, i + t.tileH()).slice(3, j, j + t.tileW());
                Tensor dec = vae.decode(tile);
                row.add(to4d(be.toFloats(dec), dec.shape()));
            }
            rows.add(row);
        }
        List<float[][][][]> resultRows = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            List<float[][][][]> row = rows.get(i);
            List<float[][][][]> resultRow = new ArrayList<>();
            for (int j = 0; j < row.size(); j++) {
                float[][][][] tile = row.get(j);
                if (i > 0) blendV(rows.get(i - 1).get(j), tile, t.blendH());
                if (j > 0) blendH(row.get(j - 1), tile, t.blendW());
                resultRow.add(crop(tile, t.cropH(), t.cropW()));
            }
            resultRows.add(cat(resultRow, 3));
        }
        float[][][][] out = cat(resultRows, 2);
        List<Float> flat = new ArrayList<>();
        for (float[][][] a : out) for (float[][] b : a) for (float[] c : b) for (float v : c) flat.add(v);
        float[] f = new float[flat.size()];
        for (int i = 0; i < f.length; i++) f[i] = flat.get(i);
        return f;
    }

    private static void blendV(float[][][][] a, float[][][][] b, int extent) {
        int e = Math.min(Math.min(a[0][0].length, b[0][0].length), extent);
        for (int y = 0; y < e; y++) {
            for (int n = 0; n < b.length; n++) {
                for (int c = 0; c < b[n].length; c++) {
                    for (int x = 0; x < b[n][c][y].length; x++) {
                        b[n][c][y][x] = a[n][c][a[n][c].length - e + y][x] * (float) (1 - (double) y / e)
                                + b[n][c][y][x] * (float) ((double) y / e);
                    }
                }
            }
        }
    }

    private static void blendH(float[][][][] a, float[][][][] b, int extent) {
        int e = Math.min(Math.min(a[0][0][0].length, b[0][0][0].length), extent);
        for (int x = 0; x < e; x++) {
            for (int n = 0; n < b.length; n++) {
                for (int c = 0; c < b[n].length; c++) {
                    for (int y = 0; y < b[n][c].length; y++) {
                        b[n][c][y][x] = a[n][c][y][a[n][c][y].length - e + x] * (float) (1 - (double) x / e)
                                + b[n][c][y][x] * (float) ((double) x / e);
                    }
                }
            }
        }
    }

    private static float[][][][] to4d(float[] v, long[] s) {
        float[][][][] o = new float[(int) s[0]][(int) s[1]][(int) s[2]][(int) s[3]];
        int k = 0;
        for (float[][][] a : o) for (float[][] b : a) for (float[] c : b) for (int x = 0; x < c.length; x++) c[x] = v[k++];
        return o;
    }

    private static float[][][][] crop(float[][][][] t, int h, int w) {
        int hh = Math.min(h, t[0][0].length);
        int ww = Math.min(w, t[0][0][0].length);
        float[][][][] o = new float[t.length][t[0].length][hh][ww];
        for (int n = 0; n < t.length; n++) for (int c = 0; c < t[n].length; c++) for (int y = 0; y < hh; y++) {
            System.arraycopy(t[n][c][y], 0, o[n][c][y], 0, ww);
        }
        return o;
    }

    private static float[][][][] cat(List<float[][][][]> parts, int axis) {
        float[][][][] f = parts.get(0);
        int n = f.length;
        int c = f[0].length;
        int h = axis == 2 ? parts.stream().mapToInt(p -> p[0][0].length).sum() : f[0][0].length;
        int w = axis == 3 ? parts.stream().mapToInt(p -> p[0][0][0].length).sum() : f[0][0][0].length;
        float[][][][] o = new float[n][c][h][w];
        int off = 0;
        for (float[][][][] p : parts) {
            for (int a = 0; a < n; a++) for (int b = 0; b < c; b++) for (int y = 0; y < p[0][0].length; y++) {
                for (int x = 0; x < p[0][0][0].length; x++) {
                    if (axis == 2) o[a][b][off + y][x] = p[a][b][y][x];
                    else o[a][b][y][off + x] = p[a][b][y][x];
                }
            }
            off += axis == 2 ? p[0][0].length : p[0][0][0].length;
        }
        return o;
    }
}
