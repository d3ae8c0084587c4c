package dev.sprint.core.tensor;

import dev.sprint.api.BackendException;
import dev.sprint.api.spi.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The small tensor API that all Sprint model code is written against. A backend implements the
 * abstract primitives; the default methods compose the rest (norms, attention, resizing, pixel
 * shuffles) from them with PyTorch's semantics, and a backend may override any of them with a
 * fused kernel that gives the same result.
 *
 * <p>Conventions: shapes are PyTorch's (NCHW images, (B, L, C) sequences); binary operations
 * broadcast like PyTorch; negative axes count from the end; every result is created in the
 * calling thread's innermost open {@link Scope}.
 */
public interface TensorBackend extends Backend {

    // ---- lifetime and data movement ---------------------------------------------------------

    /** Floating type the models compute in (F32 on CPU; F32 or F16 on GPUs). */
    DType floatType();

    /** Opens a scope on the calling thread; tensors created until it closes are freed with it. */
    Scope newScope();

    /**
     * Whether operations run when they are called (DJL), so model code may free or stream weights between them; a
     * tracing backend (ONNX) records a whole component pass and runs it later.
     */
    default boolean isEager() {
        return true;
    }

    /**
     * Whether weights live in Java direct buffers (then bounded by {@code -XX:MaxDirectMemorySize}) rather than in the
     * backend's own allocator; the memory plan budgets accordingly.
     */
    default boolean weightsInDirectMemory() {
        return false;
    }

    /**
     * A new arena for long-lived tensors (a component's weights), freed as a unit when it closes. The default
     * keeps them like any tensor made outside a scope (until the backend closes).
     */
    default Arena newArena() {
        return Arena.HEAP;
    }

    /** Copies host data to the backend, converting to {@code dtype} (e.g. BF16 weights to F32). */
    Tensor upload(HostTensor data, DType dtype);

    /** Reads a tensor back to host memory (not allowed inside {@link #call} on tracing backends). */
    HostTensor download(Tensor t);

    /** A tensor of the given shape filled with {@code value}. */
    Tensor full(double value, DType dtype, long... shape);

    // ---- elementwise -------------------------------------------------------------------------

    Tensor add(Tensor a, Tensor b);

    Tensor sub(Tensor a, Tensor b);

    Tensor mul(Tensor a, Tensor b);

    Tensor div(Tensor a, Tensor b);

    Tensor addScalar(Tensor a, double v);

    // ---- in place, for dead activations -------------------------------------------------------------

    /**
     * {@code a + b} where {@code a} is dead afterwards and owns its memory (a fresh activation: not a weight, not a
     * view of a live tensor) and {@code b} broadcasts to {@code a}'s shape: an eager backend may write the sum into
     * {@code a}, which saves an activation-sized allocation and a pass over memory. The default frees {@code a}.
     */
    default Tensor addInPlace(Tensor a, Tensor b) {
        return Tensors.free(add(a, b), a);
    }

    /** {@code a · b} with {@code a} dead afterwards; see {@link #addInPlace}. */
    default Tensor mulInPlace(Tensor a, Tensor b) {
        return Tensors.free(mul(a, b), a);
    }

    /** {@code op(a)} with {@code a} dead afterwards; see {@link #addInPlace}. */
    default Tensor unaryInPlace(Tensor a, UnaryOp op) {
        return Tensors.free(unary(a, op), a);
    }

    Tensor mulScalar(Tensor a, double v);

    /** a^p elementwise. */
    Tensor powScalar(Tensor a, double p);

    Tensor unary(Tensor a, UnaryOp op);

    Tensor clamp(Tensor a, double min, double max);

    // ---- reductions --------------------------------------------------------------------------

    Tensor sum(Tensor a, int axis, boolean keepDim);

    Tensor mean(Tensor a, int axis, boolean keepDim);

    Tensor max(Tensor a, int axis, boolean keepDim);

    /** Numerically stable softmax along {@code axis}. */
    Tensor softmax(Tensor a, int axis);

    // ---- linear algebra ----------------------------------------------------------------------

    /** {@code torch.matmul} for rank ≥ 2 operands with broadcast batch dimensions. */
    Tensor matmul(Tensor a, Tensor b);

    /**
     * {@code F.conv2d}: x (N, Cin, H, W), w (Cout, Cin/groups, kh, kw), bias (Cout) or null.
     * Arrays are {height, width}.
     */
    Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups);

    // ---- shape -------------------------------------------------------------------------------

    /** Reshape; one dimension may be -1. */
    Tensor reshape(Tensor a, long... shape);

    Tensor permute(Tensor a, int... axes);

    Tensor concat(List<Tensor> parts, int axis);

    /** Elements {@code start} (inclusive) to {@code end} (exclusive) along {@code axis}; negative values count from the end. */
    Tensor slice(Tensor a, int axis, long start, long end);

    /**
     * The bounds {@link #slice} takes of an axis of length {@code len}, as Python's {@code x[start:end]}: negative
     * values count from the end, then both are clamped to [0, len] with {@code end ≥ start}.
     *
     * @return {start, end}
     */
    static long[] sliceBounds(long start, long end, long len) {
        long s = Math.max(0, Math.min(start < 0 ? start + len : start, len));
        long e = Math.max(s, Math.min(end < 0 ? end + len : end, len));
        return new long[] {s, e};
    }

    /**
     * PyTorch broadcasting of two shapes: aligned at the right, a size-1 dimension stretches.
     *
     * @throws dev.sprint.api.BackendException when they do not broadcast
     */
    static long[] broadcastShapes(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i < r - a.length ? 1 : a[i - (r - a.length)];
            long db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new dev.sprint.api.BackendException("shapes " + java.util.Arrays.toString(a) + " and "
                        + java.util.Arrays.toString(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** {@code torch.index_select}: indices is a 1-D I64 tensor. */
    Tensor indexSelect(Tensor a, int axis, Tensor indices);

    /** Broadcasts to {@code shape} (PyTorch {@code expand} rules). */
    Tensor broadcastTo(Tensor a, long... shape);

    Tensor cast(Tensor a, DType dtype);

    // ---- conveniences composed from the primitives ---------------------------------------------

    default Tensor fromFloats(float[] values, long... shape) {
        return upload(HostTensor.ofFloats(values, shape), floatType());
    }

    /**
     * The type of noise, latents and the scheduler's state: float32 where the compute type is bfloat16 (diffusers keeps
     * them float32 and casts at the transformer's input), else the compute type.
     */
    default DType latentType() {
        return floatType() == DType.BF16 ? DType.F32 : floatType();
    }

    /** Uploads noise or latents in {@link #latentType()}. */
    default Tensor latents(float[] values, long... shape) {
        return upload(HostTensor.ofFloats(values, shape), latentType());
    }

    default Tensor fromLongs(long[] values, long... shape) {
        return upload(HostTensor.ofLongs(values, shape), DType.I64);
    }

    /**
     * Uploads a checkpoint tensor as a weight in the compute float type. Backends override this to stream
     * the data in bounded chunks (any size, converting on the way); the default goes through one host buffer,
     * so it serves tensors up to 2 GiB.
     */
    default Tensor weight(TensorData data) {
        return upload(data.host(), data.dtype().isFloating() ? floatType() : data.dtype());
    }

    default float[] toFloats(Tensor t) {
        return download(t).toFloats();
    }

    default long[] toLongs(Tensor t) {
        return download(t).toLongs();
    }

    default Tensor scalar(double v) {
        return full(v, floatType());
    }

    default Tensor zeros(long... shape) {
        return full(0, floatType(), shape);
    }

    default Tensor ones(long... shape) {
        return full(1, floatType(), shape);
    }

    default Tensor neg(Tensor a) { return unary(a, UnaryOp.NEG); }
    default Tensor exp(Tensor a) { return unary(a, UnaryOp.EXP); }
    default Tensor log(Tensor a) { return unary(a, UnaryOp.LOG); }
    default Tensor sqrt(Tensor a) { return unary(a, UnaryOp.SQRT); }
    default Tensor rsqrt(Tensor a) { return unary(a, UnaryOp.RSQRT); }
    default Tensor tanh(Tensor a) { return unary(a, UnaryOp.TANH); }
    default Tensor sigmoid(Tensor a) { return unary(a, UnaryOp.SIGMOID); }
    default Tensor sin(Tensor a) { return unary(a, UnaryOp.SIN); }
    default Tensor cos(Tensor a) { return unary(a, UnaryOp.COS); }
    default Tensor relu(Tensor a) { return unary(a, UnaryOp.RELU); }
    default Tensor silu(Tensor a) { return unary(a, UnaryOp.SILU); }
    default Tensor gelu(Tensor a) { return unary(a, UnaryOp.GELU); }
    default Tensor geluTanh(Tensor a) { return unary(a, UnaryOp.GELU_TANH); }

    default Tensor transpose(Tensor a, int d0, int d1) {
        int r = a.rank();
        int[] axes = new int[r];
        for (int i = 0; i < r; i++) axes[i] = i;
        d0 = d0 < 0 ? d0 + r : d0;
        d1 = d1 < 0 ? d1 + r : d1;
        axes[d0] = d1;
        axes[d1] = d0;
        return permute(a, axes);
    }

    /** Splits along {@code axis} into parts of the given sizes. */
    default List<Tensor> split(Tensor a, int axis, long... sizes) {
        List<Tensor> out = new ArrayList<>(sizes.length);
        long start = 0;
        for (long s : sizes) {
            out.add(slice(a, axis, start, start + s));
            start += s;
        }
        if (start != a.size(axis)) {
            throw new BackendException("split sizes sum to " + start + ", axis has " + a.size(axis));
        }
        return out;
    }

    /** {@code torch.chunk} into {@code n} equal parts (the axis must divide evenly). */
    default List<Tensor> chunk(Tensor a, int n, int axis) {
        long len = a.size(axis);
        if (len % n != 0) throw new BackendException("cannot chunk " + len + " into " + n);
        long[] sizes = new long[n];
        java.util.Arrays.fill(sizes, len / n);
        return split(a, axis, sizes);
    }

    /**
     * Constant padding in {@code F.pad} order: {@code pads} holds (before, after) pairs starting from
     * the LAST axis.
     */
    default Tensor pad(Tensor a, long[] pads, double value) {
        Tensor x = a;
        for (int p = 0; p < pads.length / 2; p++) {
            int axis = a.rank() - 1 - p;
            long before = pads[2 * p];
            long after = pads[2 * p + 1];
            if (before == 0 && after == 0) continue;
            List<Tensor> parts = new ArrayList<>(3);
            long[] s = x.shape().clone();
            if (before > 0) { s[axis] = before; parts.add(full(value, x.dtype(), s.clone())); }
            parts.add(x);
            if (after > 0) { s[axis] = after; parts.add(full(value, x.dtype(), s.clone())); }
            x = concat(parts, axis);
        }
        return x;
    }

    /** {@code F.linear}: x (..., in) · wᵀ (out, in) + b. */
    default Tensor linear(Tensor x, Tensor w, Tensor b) {
        Tensor y = matmul(x, transpose(w, 0, 1));
        return b == null ? y : add(y, b);
    }

    /** LayerNorm over the last axis; weight and bias may be null. */
    default Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        Tensor mu = mean(x, -1, true);
        Tensor d = Tensors.free(sub(x, mu), mu);
        Tensor sq = mul(d, d);
        Tensor var = Tensors.free(mean(sq, -1, true), sq);
        Tensor ve = Tensors.free(addScalar(var, eps), var);
        Tensor r = Tensors.free(rsqrt(ve), ve);
        Tensor y = Tensors.free(mul(d, r), d, r);
        if (weight != null) y = mulInPlace(y, weight);
        if (bias != null) y = addInPlace(y, bias);
        return y;
    }

    /** RMSNorm over the last axis: x·rsqrt(mean(x²)+eps)·weight; weight may be null. */
    default Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        Tensor sq = mul(x, x);
        Tensor ms = Tensors.free(mean(sq, -1, true), sq);
        Tensor me = Tensors.free(addScalar(ms, eps), ms);
        Tensor r = Tensors.free(rsqrt(me), me);
        Tensor y = Tensors.free(mul(x, r), r);
        return weight == null ? y : mulInPlace(y, weight);
    }

    /**
     * diffusers' {@code RMSNorm} with a bias ({@code elementwise_affine=True, bias=True}, the DC-AE's channel norms):
     * {@code rmsNorm(x, weight) + bias}, the sum rounded in the weight's type. {@code bias} may be null.
     */
    default Tensor rmsNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        Tensor y = rmsNorm(x, weight, eps);
        return bias == null ? y : addInPlace(y, bias);
    }

    /**
     * A residual stream taking a normalised branch, {@code acc + rmsNorm(x, weight, bias, eps)}, with {@code acc}
     * dead afterwards (as for {@link #addInPlace}): the DC-AE's blocks end this way. Same shapes; the norm runs over
     * the last axis, its output rounded in the weight's type before the sum, exactly as the two calls give it. A
     * backend may do it in one pass, without the normalised tensor ever existing whole.
     */
    default Tensor addRmsNorm(Tensor acc, Tensor x, Tensor weight, Tensor bias, double eps) {
        Tensor n = rmsNorm(x, weight, bias, eps);
        return Tensors.free(addInPlace(acc, n), n);
    }

    /** {@code F.group_norm} on (N, C, ...) with per-channel weight and bias (nullable). */
    default Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        long[] s = x.shape();
        long n = s[0];
        long c = s[1];
        Tensor g = reshape(x, n, groups, -1);
        Tensor mu = mean(g, -1, true);
        Tensor d = Tensors.free(sub(g, mu), mu);
        Tensor sq = mul(d, d);
        Tensor var = Tensors.free(mean(sq, -1, true), sq);
        Tensor ve = Tensors.free(addScalar(var, eps), var);
        Tensor r = Tensors.free(rsqrt(ve), ve);
        Tensor y = Tensors.free(mul(d, r), d, r);
        y = Tensors.free(reshape(y, s), y);
        long[] cs = new long[s.length];
        java.util.Arrays.fill(cs, 1);
        cs[1] = c;
        if (weight != null) y = mulInPlace(y, reshape(weight, cs));
        if (bias != null) y = addInPlace(y, reshape(bias, cs));
        return y;
    }

    /**
     * softmax(q·kᵀ·scale + mask)·v over the last two axes. q (..., Lq, D), k (..., Lk, D),
     * v (..., Lk, Dv); mask is additive and broadcastable to (..., Lq, Lk), or null.
     */
    default Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale) {
        return attention(q, k, v, mask, scale, ATTENTION_CHUNK_BYTES);
    }

    /** Score-matrix bytes above which {@link #attention} processes the queries in chunks. */
    long ATTENTION_CHUNK_BYTES = 256L << 20;

    /**
     * {@link #attention} computing at most {@code maxScoreBytes} of float32 scores at a time: rows of the
     * softmax are independent, so the queries are split into chunks (each in its own scope, so an eager
     * backend frees a chunk's scores before the next) and the outputs concatenated — same result, but
     * SD3.5 at 1024² (24 heads × 4429² scores = 1.9 GB per matrix, several live at once) stays bounded.
     */
    default Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, long maxScoreBytes) {
        long lq = q.size(-2);
        long lk = k.size(-2);
        long matrices = q.numel() / Math.max(1, lq * q.size(-1));
        long rowBytes = matrices * lk * 4;
        if (lq <= 1 || rowBytes * lq <= maxScoreBytes) {
            Tensor scores = mulScalar(matmul(q, transpose(k, -2, -1)), scale);
            if (mask != null) scores = add(scores, mask);
            return matmul(softmax(scores, -1), v);
        }
        long chunk = Math.max(1, maxScoreBytes / rowBytes);
        boolean maskRows = mask != null && mask.rank() >= 2 && mask.size(-2) == lq && lq > 1;
        Tensor kt = transpose(k, -2, -1);
        List<Tensor> parts = new ArrayList<>();
        for (long start = 0; start < lq; start += chunk) {
            long end = Math.min(lq, start + chunk);
            try (Scope s = newScope()) {
                Tensor scores = mulScalar(matmul(slice(q, q.rank() - 2, start, end), kt), scale);
                if (mask != null) scores = add(scores, maskRows ? slice(mask, mask.rank() - 2, start, end) : mask);
                parts.add(s.keep(matmul(softmax(scores, -1), v)));
            }
        }
        return concat(parts, q.rank() - 2);
    }

    /**
     * {@code F.interpolate} of (N, C, H, W) to (N, C, outH, outW), PyTorch-exact semantics (no
     * antialiasing). Linear modes are two matmuls with weights computed on the host; nearest modes
     * gather rows and columns, so they are exact.
     */
    default Tensor interpolate(Tensor x, int outH, int outW, ResizeMode mode, boolean alignCorners) {
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        if (mode == ResizeMode.NEAREST || mode == ResizeMode.NEAREST_EXACT) {
            Tensor rows = fromLongs(ResizeWeights.nearest(h, outH, mode == ResizeMode.NEAREST_EXACT), outH);
            Tensor cols = fromLongs(ResizeWeights.nearest(w, outW, mode == ResizeMode.NEAREST_EXACT), outW);
            return indexSelect(indexSelect(x, 2, rows), 3, cols);
        }
        float[] wh = ResizeWeights.matrix(h, outH, mode, alignCorners);
        float[] ww = ResizeWeights.matrix(w, outW, mode, alignCorners);
        Tensor mh = fromFloats(wh, outH, h);
        Tensor mwT = transpose(fromFloats(ww, outW, w), 0, 1);
        return matmul(matmul(mh, x), mwT);
    }

    /** (N, C·r², H, W) → (N, C, H·r, W·r). */
    default Tensor pixelShuffle(Tensor x, int r) {
        long[] s = x.shape();
        long c = s[1] / ((long) r * r);
        Tensor y = reshape(x, s[0], c, r, r, s[2], s[3]);
        y = permute(y, 0, 1, 4, 2, 5, 3);
        return reshape(y, s[0], c, s[2] * r, s[3] * r);
    }

    /**
     * Nearest ×2 upsampling followed by a 3×3 conv, given as its four output phases, plus a repeated-channel shortcut
     * (the DC-AE's {@code DCUpBlock2d} in "interpolate" mode). {@code phases} is (B, 4·C, h+1, w+1): phase
     * {@code p = 2·py + px} occupies channels [p·C, (p+1)·C) and is read at rows {@code i+py} and columns
     * {@code j+px}. {@code shortcut} is (B, 4·C/r, h, w); diffusers repeats each of its channels r times and pixel
     * shuffles them. Returns y (B, C, 2h, 2w):
     * {@code y[b, c, 2i+py, 2j+px] = phases[b, p·C + c, i+py, j+px] + shortcut[b, (4c + p) / r, i, j]},
     * in the promoted type of the two.
     */
    default Tensor upsamplePhases(Tensor phases, Tensor shortcut, int r) {
        long b = phases.size(0);
        long c = phases.size(1) / 4;
        long h = phases.size(2) - 1;
        long w = phases.size(3) - 1;
        List<Tensor> parts = new java.util.ArrayList<>(4);
        for (int p = 0; p < 4; p++) {
            int py = p / 2;
            int px = p % 2;
            Tensor window = slice(slice(slice(phases, 1, p * c, (p + 1) * c), 2, py, py + h), 3, px, px + w);
            parts.add(reshape(window, b, 1, c, h, w));
        }
        Tensor main = concat(parts, 1);                                     // (B, 4 phases, C, h, w)
        parts.forEach(Tensor::close);
        // repeat_interleave puts output channel c, phase p at index 4c + p
        long[] s = shortcut.shape();
        Tensor e = broadcastTo(reshape(shortcut, s[0], s[1], 1, s[2], s[3]), s[0], s[1], r, s[2], s[3]);
        Tensor rep = reshape(e, b, c, 4, h, w);
        Tensor sc = permute(rep, 0, 2, 1, 3, 4);
        Tensor sum = Tensors.free(addInPlace(main, sc), sc, rep);
        // pixel shuffle of the phase-major sum: (B, py, px, C, h, w) → (B, C, h, py, w, px)
        Tensor y = permute(reshape(sum, b, 2, 2, c, h, w), 0, 3, 4, 1, 5, 2);
        return Tensors.free(reshape(y, b, c, 2 * h, 2 * w), y, sum);
    }

    /** (N, C, H·r, W·r) → (N, C·r², H, W). */
    default Tensor pixelUnshuffle(Tensor x, int r) {
        long[] s = x.shape();
        long h = s[2] / r;
        long w = s[3] / r;
        Tensor y = reshape(x, s[0], s[1], h, r, w, r);
        y = permute(y, 0, 1, 3, 5, 2, 4);
        return reshape(y, s[0], s[1] * r * r, h, w);
    }

    /**
     * Runs a pure tensor function (a component's forward pass). Eager backends just apply it; a
     * tracing backend records it once per input-shape signature under {@code name} and replays the
     * compiled graph. {@code fn} must not read values back to the host and must only use tensors
     * from {@code inputs}, weights, and constants it creates.
     */
    default List<Tensor> call(String name, List<Tensor> inputs, Function<List<Tensor>, List<Tensor>> fn) {
        return fn.apply(inputs);
    }

    /**
     * Lets long backend work on the calling thread stop early: until the returned registration is closed,
     * a backend that runs a whole component as one native call (ONNX Runtime runs each {@link #call} as one
     * graph) asks {@code cancelled} before each such call and polls it while the call runs, and once it is
     * true stops the call and throws {@link dev.sprint.api.GenerationCancelledException}; the backend stays
     * usable. {@code cancelled} is invoked from another thread, so it must be thread-safe and quick (for
     * {@code Thread.interrupt()}, capture the calling thread and test {@code isInterrupted()} on it).
     * Registrations nest and are closed innermost first, on the thread that opened them (try-with-resources).
     *
     * <p>The default does nothing: an eager backend returns to its caller after every operation, so the
     * caller's own checks (between layers, blocks or tiles) already bound the latency.
     */
    default Registration cancelWhen(java.util.function.BooleanSupplier cancelled) {
        return Registration.NONE;
    }

    /** What {@link #cancelWhen} returns: closing it ends the registration. */
    interface Registration extends AutoCloseable {
        /** A registration that does nothing. */
        Registration NONE = () -> {};

        @Override
        void close();
    }
}
