package dev.sprint.core.rng;

/**
 * The 32-bit Mersenne Twister (MT19937) exactly as PyTorch's {@code at::mt19937}: state seeded with
 * Matsumoto–Nishimura's {@code init_genrand} from the low 32 bits of the seed, standard tempering.
 * Its output is identical to C++ {@code std::mt19937(seed)}. Not thread-safe.
 */
final class Mt19937 {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER = 0x80000000;
    private static final int LOWER = 0x7fffffff;

    private final int[] state = new int[N];
    private int next;

    Mt19937(long seed) {
        // PyTorch keeps the uint64 seed but seeds the twister with its low 32 bits.
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) {
            int prev = state[j - 1];
            state[j] = 1812433253 * (prev ^ (prev >>> 30)) + j;
        }
        next = N; // regenerate on the first draw
    }

    /** The next 32-bit output, as the low 32 bits of the returned int (treat as unsigned). */
    int nextInt() {
        if (next >= N) twist();
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (state[i] & UPPER) | (state[(i + 1) % N] & LOWER);
            int v = state[(i + M) % N] ^ (y >>> 1);
            state[i] = (y & 1) != 0 ? v ^ MATRIX_A : v;
        }
        next = 0;
    }
}
