package dev.sprint.core.nn;

import static dev.sprint.core.tensor.Tensors.free;

import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.tensor.UnaryOp;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code GLUMBConv} without its optional norm and residual (the Sana transformer's feed-forward; the
 * DC-AE's EfficientViT blocks add a channel RMSNorm and the residual around it): 1×1 conv to 2·hidden, SiLU,
 * depthwise 3×3, the halves gated ({@code a·SiLU(b)}), 1×1 conv back without bias. Weights {@code conv_inverted},
 * {@code conv_depth}, {@code conv_point}. Large activations run in bands of rows (see {@link #BAND_BYTES}).
 */
public final class GLUMBConv {
    private final Conv2d convInverted;
    private final Conv2d convDepth;
    private final Conv2d convPoint;
    /** 2·hidden: the channels of the intermediates. */
    private final long hidden2;

    public GLUMBConv(Weights w, long channels, long hidden) {
        hidden2 = 2 * hidden;
        convInverted = new Conv2d(w.sub("conv_inverted"), channels, hidden2, 1, 1, 0, 1, true);
        convDepth = new Conv2d(w.sub("conv_depth"), hidden2, hidden2, 3, 1, 1, (int) hidden2, true);
        convPoint = new Conv2d(w.sub("conv_point"), hidden, channels, 1, 1, 0, 1, false);
    }

    /**
     * Bytes of the 2·hidden-channel intermediates per band of rows: below glibc's 32 MB mmap threshold, so each
     * band's buffers are reused from the malloc heap instead of being fresh, page-faulted memory (a DC-AE 128²
     * stage's are 134 MB each, and the block is memory-bound).
     */
    static final long BAND_BYTES = 16L << 20;

    /** (B, C, h, w) → (B, C, h, w). */
    public Tensor forward(Tensor x) {
        TensorBackend be = x.backend();
        long rows = x.size(2);
        long rowBytes = x.size(0) * hidden2 * x.size(3) * be.floatType().bytes();
        long band = Math.max(1, BAND_BYTES / Math.max(1, rowBytes));
        if (band >= rows) return rows(x, 0, rows);
        // every op is per pixel except the depthwise 3×3, which needs one row of halo each side: bands of rows give
        // the same values as the whole image, with the large intermediates one band at a time
        List<Tensor> parts = new ArrayList<>();
        for (long r0 = 0; r0 < rows; r0 += band) {
            try (Scope s = be.newScope()) {
                parts.add(s.keep(rows(x, r0, Math.min(rows, r0 + band))));
            }
        }
        Tensor out = be.concat(parts, 2);
        return free(out, parts.toArray(new Tensor[0]));
    }

    /** Output rows [r0, r1): the block on input rows [r0 − halo, r1 + halo] (clipped to the image). */
    private Tensor rows(Tensor x, long r0, long r1) {
        TensorBackend be = x.backend();
        long rows = x.size(2);
        long halo = convDepth.padding();
        long a0 = Math.max(0, r0 - halo);
        long a1 = Math.min(rows, r1 + halo);
        Tensor xb = a0 == 0 && a1 == rows ? x : x.slice(2, a0, a1);
        Tensor y = be.unaryInPlace(convInverted.forward(xb), UnaryOp.SILU);
        // zero padding is right only at the image's own edges; a halo row's output row is dropped
        Tensor d = free(convDepth.forward(y), y);
        if (a0 != r0 || a1 != r1) d = d.slice(2, r0 - a0, r1 - a0);
        List<Tensor> g = be.chunk(d, 2, 1);
        // silu(gate) · hidden (the product commutes), both in the gate's half of d, which is dead afterwards
        Tensor gated = be.mulInPlace(be.unaryInPlace(g.get(1), UnaryOp.SILU), g.get(0));
        return free(convPoint.forward(gated), gated, d);
    }
}
