package dev.sprint.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineClosedException;
import dev.sprint.core.testing.Golden;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * close() racing generate() on a real native backend (issue 16 item 6): 4 threads generate in a loop while
 * another thread closes the pipeline, 10 rounds. Every call that does not finish ends with a
 * {@link PipelineClosedException} — none sees the closed backend ("DJL backend is closed"), none is a JDK
 * exception — and every thread stops.
 */
class DjlCloseRaceTest {
    private static final GenerationRequest SMALL = GenerationRequest.builder().prompt("a cat").steps(2).seed(1).size(64, 32)
            .resolutionBinning(false).build();

    @Test
    void fourThreadsTimesTenRoundsGiveOnlyPipelineClosedExceptions() throws Exception {
        Random random = new Random(16);
        int finished = 0;
        for (int round = 0; round < 10; round++) {
            Pipeline p = Pipeline.builder().model(Golden.sana().resolve("model")).backend("djl").device("cpu").build();
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger done = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(4);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread th = new Thread(() -> {
                    started.countDown();
                    while (true) {
                        try {
                            p.generate(SMALL);
                            done.incrementAndGet();
                        } catch (Throwable e) {
                            failures.add(e);
                            return;
                        }
                    }
                }, "generate-" + t);
                th.start();
                threads.add(th);
            }
            started.await();
            Thread.sleep(random.nextInt(600)); // sometimes mid-call, sometimes after some calls finished
            p.close();
            for (Thread th : threads) {
                th.join(120_000);
                assertFalse(th.isAlive(), th.getName() + " stopped after close");
            }
            assertEquals(4, failures.size(), "every thread ended with one exception");
            for (Throwable e : failures) {
                assertTrue(e instanceof PipelineClosedException, "round " + round + ": " + e);
            }
            finished += done.get();
        }
        org.slf4j.LoggerFactory.getLogger(DjlCloseRaceTest.class).info("{} calls finished before close in 10 rounds", finished);
    }
}
