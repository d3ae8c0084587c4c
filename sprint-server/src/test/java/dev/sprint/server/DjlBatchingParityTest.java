package dev.sprint.server;

/** {@link BatchingParityTest} on PyTorch through DJL (CPU). */
class DjlBatchingParityTest extends BatchingParityTest {
    @Override
    String backend() {
        return "djl";
    }
}
