package dev.sprint.backend.libtorch;

import dev.sprint.api.Precision;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;

/** A fresh JVM's first use of the backend (run by {@link LibtorchFirstLoadTest}): bf16 matmul and attention. */
public final class LibtorchSmoke {
    private LibtorchSmoke() {}

    public static void main(String[] args) {
        try (LibtorchBackend be = LibtorchBackends.open(Precision.BFLOAT16); Scope s = be.newScope()) {
            Tensor q = be.fromFloats(new float[] {1, 0, 0, 1}, 1, 1, 2, 2);
            Tensor o = be.attention(q, q, q, null, 1.0);
            Tensor m = q.matmul(q);
            float[] v = be.toFloats(o);
            if (v.length != 4 || be.toFloats(m)[0] != 1f) throw new IllegalStateException("wrong values");
            System.out.println("libtorch smoke OK " + be.floatType());
        }
    }
}
