package dev.sprint.core.nn;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * diffusers' {@code PatchEmbed}: a p×p stride-p conv ({@code proj}) to row-major tokens (B, h/p·w/p, D), in
 * two variants: without positional embedding (Sana: {@code pos_embed_type=None}), and with
 * {@code pos_embed_max_size} (SD3): the centre crop of an M×M 2-D sin-cos table, never resampled. That
 * table is the checkpoint's persistent buffer {@code pos_embed} (diffusers stores it whenever
 * {@code pos_embed_max_size} is set); it stays on the host and only the crop is uploaded per pass.
 */
public final class PatchEmbed {
    private final Conv2d proj;
    private final int dim;
    private final HostTensor posEmbed;   // (1, M·M, D), or null without positional embedding
    private final int maxSize;

    /** Without positional embedding. */
    public PatchEmbed(Weights w, long in, int dim, int patch) {
        this.proj = new Conv2d(w.sub("proj"), in, dim, patch, patch, 0, 1, true);
        this.dim = dim;
        this.posEmbed = null;
        this.maxSize = 0;
    }

    /** With the {@code pos_embed_max_size} table (M×M patches). */
    public PatchEmbed(Weights w, long in, int dim, int patch, int posEmbedMaxSize) {
        this.proj = new Conv2d(w.sub("proj"), in, dim, patch, patch, 0, 1, true);
        this.dim = dim;
        this.maxSize = posEmbedMaxSize;
        this.posEmbed = w.host("pos_embed", 1, (long) posEmbedMaxSize * posEmbedMaxSize, dim);
    }

    /** (B, C, H, W) → (B, H/p·W/p, D). */
    public Tensor forward(Tensor x) {
        Tensor t = proj.forward(x);                                        // (B, D, hp, wp)
        return t.reshape(t.size(0), dim, t.size(2) * t.size(3)).transpose(1, 2);
    }

    /**
     * The inverse for the transformer's output: row-major patch tokens (B, hp·wp, p·p·C) → (B, C, hp·p, wp·p),
     * diffusers' unpatchify {@code "nhwpqc -> nchpwq"}.
     */
    public static Tensor unpatchify(Tensor tokens, long hp, long wp, int p, long channels) {
        long b = tokens.size(0);
        return tokens.reshape(b, hp, wp, p, p, channels).permute(0, 5, 1, 3, 2, 4).reshape(b, channels, hp * p, wp * p);
    }

    /** Tokens plus the (1, N, D) positional crop of {@link #cropped}. */
    public Tensor forward(Tensor x, Tensor pos) {
        return forward(x).add(pos);
    }

    /** The (hp·wp, D) crop: rows top..top+hp−1, cols left..left+wp−1 with top = (M − hp)/2, left = (M − wp)/2. */
    public float[] cropped(int hp, int wp) {
        if (posEmbed == null) throw new InvalidRequestException("this patch embedding has no positional table");
        if (hp > maxSize || wp > maxSize) {
            throw new InvalidRequestException("latent of " + hp + "x" + wp + " patches exceeds the positional table ("
                    + maxSize + "x" + maxSize + " patches, pos_embed_max_size)");
        }
        int top = (maxSize - hp) / 2;
        int left = (maxSize - wp) / 2;
        float[] out = new float[hp * wp * dim];
        int bytes = posEmbed.dtype().bytes();
        for (int r = 0; r < hp; r++) {
            // one row of the crop, read straight from the (memory-mapped) buffer in its stored dtype
            int start = ((top + r) * maxSize + left) * dim * bytes;
            ByteBuffer row = posEmbed.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            row.position(row.position() + start).limit(row.position() + wp * dim * bytes);
            float[] v = new HostTensor(posEmbed.dtype(), new long[] {(long) wp * dim}, row.slice().order(ByteOrder.LITTLE_ENDIAN))
                    .toFloats();
            System.arraycopy(v, 0, out, r * wp * dim, wp * dim);
        }
        return out;
    }

    /**
     * diffusers' {@code get_2d_sincos_pos_embed(dim, grid, base_size, interpolation_scale=1)} for a
     * {@code grid × grid} table, row-major (row = y): coordinates are index·base/grid; the first half of
     * each vector embeds the x coordinate, the second half y, each as [sin | cos] over
     * ω_k = 10000^(−k/(dim/4)). Computed in float64 (as diffusers does), rounded to float32. (What the
     * checkpoints' stored {@code pos_embed} buffers hold.)
     */
    public static float[] sincosTable(int dim, int grid, int baseSize) {
        if (dim % 4 != 0) throw new InvalidRequestException("sin-cos embedding width must be divisible by 4: " + dim);
        int quarter = dim / 4;
        double[] omega = new double[quarter];
        for (int k = 0; k < quarter; k++) omega[k] = 1.0 / Math.pow(10000.0, (double) k / quarter);
        float[] out = new float[grid * grid * dim];
        for (int y = 0; y < grid; y++) {
            for (int x = 0; x < grid; x++) {
                // the grid coordinates are float32 in diffusers: arange(grid) / (grid / base_size)
                double cx = (float) x / ((float) grid / baseSize);
                double cy = (float) y / ((float) grid / baseSize);
                int o = (y * grid + x) * dim;
                for (int k = 0; k < quarter; k++) {
                    out[o + k] = (float) Math.sin(cx * omega[k]);
                    out[o + quarter + k] = (float) Math.cos(cx * omega[k]);
                    out[o + 2 * quarter + k] = (float) Math.sin(cy * omega[k]);
                    out[o + 3 * quarter + k] = (float) Math.cos(cy * omega[k]);
                }
            }
        }
        return out;
    }
}
