package dev.sprint.core.rng;

import dev.sprint.core.tensor.HostTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a generation's noise comes from: one PyTorch-compatible generator for the whole batch (diffusers
 * with one {@code torch.Generator}), or one per image (a list of generators: each draws its image's slice).
 */
public final class BatchNoise {
    private final TorchGenerator single;
    private final List<TorchGenerator> perImage;

    private BatchNoise(TorchGenerator single, List<TorchGenerator> perImage) {
        this.single = single;
        this.perImage = perImage;
    }

    /** The scalar {@code randn} kernel (what SANA's references were made with). */
    public static BatchNoise of(long seed, List<Long> seeds) {
        return of(seed, seeds, TorchGenerator.CpuCapability.DEFAULT);
    }

    /**
     * @param seed  seed of the one generator, used when {@code seeds} is null
     * @param seeds one seed per image, or null
     * @param cpu   which of torch's CPU {@code randn} kernels to reproduce
     */
    public static BatchNoise of(long seed, List<Long> seeds, TorchGenerator.CpuCapability cpu) {
        if (seeds == null) return new BatchNoise(new TorchGenerator(seed, cpu), null);
        List<TorchGenerator> g = new ArrayList<>(seeds.size());
        for (Long s : seeds) g.add(new TorchGenerator(s, cpu));
        return new BatchNoise(null, g);
    }

    /** Standard normal values of {@code shape} (batch first), float32, in the reference's draw order. */
    public float[] randn(long[] shape) {
        if (single != null) return single.randn(shape);
        long[] one = shape.clone();
        one[0] = 1;
        int per = Math.toIntExact(HostTensor.numel(one));
        float[] out = new float[per * perImage.size()];
        for (int i = 0; i < perImage.size(); i++) {
            System.arraycopy(perImage.get(i).randn(one), 0, out, i * per, per);
        }
        return out;
    }
}
