package dev.sprint.core.testing;

import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.TensorBackend;
import org.junit.jupiter.api.Nested;

/**
 * Runs the whole {@link BackendConformanceTest} suite on backends that differ from the float64
 * reference the way real backends do: one stores every floating result as float32, one computes in
 * F16 (floatType F16, every result rounded to half precision). This checks that the suite itself
 * works end to end and that its default tolerances admit an honest float32 / float16 backend — a
 * rounding that the tolerances did not allow for would fail here.
 */
class ReferenceBackendStorageConformanceTest {

    /** The reference backend with float32 storage: every F32 result is rounded to float. */
    static final class Float32Storage extends ReferenceBackend {
        @Override
        protected RefTensor make(long[] shape, DType dtype, double[] values) {
            if (dtype == DType.F32) {
                for (int i = 0; i < values.length; i++) values[i] = (float) values[i];
            }
            return super.make(shape, dtype, values);
        }
    }

    /** The reference backend computing in F16: uploads, constants and results are rounded to half. */
    static final class HalfCompute extends ReferenceBackend {
        @Override
        public DType floatType() {
            return DType.F16;
        }
    }

    /** The suite on one of these backends. */
    abstract class On extends BackendConformanceTest {
        private final TensorBackend backend;

        On(TensorBackend backend) {
            this.backend = backend;
        }

        @Override
        protected TensorBackend backend() {
            return backend;
        }
    }

    @Nested
    class Float32 extends On {
        Float32() {
            super(new Float32Storage());
        }
    }

    @Nested
    class Float16 extends On {
        Float16() {
            super(new HalfCompute());
        }
    }
}
