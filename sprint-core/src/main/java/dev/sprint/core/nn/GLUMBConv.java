package dev.sprint.core.nn;

import static dev.sprint.core.tensor.Tensors.free;

import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.tensor.UnaryOp;
import java.util.List;

/**
 * diffusers' {@code GLUMBConv} without its optional norm and residual (the Sana transformer's feed-forward; the
 * DC-AE's EfficientViT blocks add a channel RMSNorm and the residual around it): 1×1 conv to 2·hidden, SiLU,
 * depthwise 3×3, the halves gated ({@code a·SiLU(b)}), 1×1 conv back without bias. Weights {@code conv_inverted},
 * {@code conv_depth}, {@code conv_point}.
 */
public final class GLUMBConv {
    private final Conv2d convInverted;
    private final Conv2d convDepth;
    private final Conv2d convPoint;

    public GLUMBConv(Weights w, long channels, long hidden) {
        convInverted = new Conv2d(w.sub("conv_inverted"), channels, 2 * hidden, 1, 1, 0, 1, true);
        convDepth = new Conv2d(w.sub("conv_depth"), 2 * hidden, 2 * hidden, 3, 1, 1, (int) (2 * hidden), true);
        convPoint = new Conv2d(w.sub("conv_point"), hidden, channels, 1, 1, 0, 1, false);
    }

    /** (B, C, h, w) → (B, C, h, w). */
    public Tensor forward(Tensor x) {
        TensorBackend be = x.backend();
        Tensor y = be.unaryInPlace(convInverted.forward(x), UnaryOp.SILU);
        Tensor d = free(convDepth.forward(y), y);
        List<Tensor> g = be.chunk(d, 2, 1);
        // silu(gate) · hidden (the product commutes), both in the gate's half of d, which is dead afterwards
        Tensor gated = be.mulInPlace(be.unaryInPlace(g.get(1), UnaryOp.SILU), g.get(0));
        return free(convPoint.forward(gated), gated, d);
    }
}
