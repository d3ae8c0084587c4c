package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/** {@code nn.Conv2d} with square kernel, stride and padding. */
public final class Conv2d {
    private final Tensor weight;
    private final Tensor bias;
    private final int stride;
    private final int padding;
    private final int groups;

    public Conv2d(Weights w, long in, long out, int kernel, int stride, int padding, int groups, boolean bias) {
        this.weight = w.take("weight", out, in / groups, kernel, kernel);
        this.bias = bias ? w.take("bias", out) : null;
        this.stride = stride;
        this.padding = padding;
        this.groups = groups;
    }

    /** Stride 1, "same" padding for odd kernels, groups 1, with a bias ({@code nn.Conv2d}'s default). */
    public static Conv2d same(Weights w, long in, long out, int kernel) {
        return new Conv2d(w, in, out, kernel, 1, kernel / 2, 1, true);
    }

    public Tensor forward(Tensor x) {
        return x.backend().conv2d(x, weight, bias, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {1, 1}, groups);
    }

    /** The padding on each side ({@link #forward} pads rows and columns alike). */
    public int padding() {
        return padding;
    }
}
