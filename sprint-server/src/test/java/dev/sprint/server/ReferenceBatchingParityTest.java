package dev.sprint.server;

/** {@link BatchingParityTest} on sprint-core's pure-Java float64 reference backend. */
class ReferenceBatchingParityTest extends BatchingParityTest {
    @Override
    String backend() {
        return "reference";
    }
}
