package dev.sprint.core.sched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The TrigFlow schedules against diffusers' SCMScheduler.set_timesteps (golden scm_scheduler), bit for bit. */
class ScmSchedulerTest {
    private final Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/scm_scheduler.safetensors"));

    private float[] golden(String name) {
        return Golden.get(c, name).toFloats();
    }

    @Test
    void defaultSchedules() {
        assertArrayEquals(golden("steps1"), ScmScheduler.timesteps(1, null, null, null));
        assertArrayEquals(golden("steps2"), ScmScheduler.timesteps(2, null, null, null));
        assertArrayEquals(golden("steps4"), ScmScheduler.timesteps(4, null, null, null));
    }

    @Test
    void customAndOverridden() {
        assertArrayEquals(golden("steps3_custom"), ScmScheduler.timesteps(3, List.of(1.5708, 1.1, 0.6, 0.0), null, null));
        assertArrayEquals(golden("steps2_max1.4_mid0.9"), ScmScheduler.timesteps(2, null, 1.4, 0.9));
    }

    @Test
    void intermediateIsIgnoredUnlessTwoSteps() {
        assertArrayEquals(golden("steps4"), ScmScheduler.timesteps(4, null, null, 1.3));
    }

    @Test
    void badSchedulesAreClearErrors() {
        assertThrows(InvalidRequestException.class, () -> ScmScheduler.timesteps(0, null, null, null));
        assertThrows(InvalidRequestException.class, () -> ScmScheduler.timesteps(5, null, null, null));
        assertThrows(InvalidRequestException.class, () -> ScmScheduler.timesteps(null, List.of(1.5, 0.3), null, null));
        assertThrows(InvalidRequestException.class, () -> ScmScheduler.timesteps(null, List.of(1.0, 1.2, 0.0), null, null));
        assertThrows(InvalidRequestException.class, () -> ScmScheduler.timesteps(2, List.of(1.5, 0.0), null, null));
        assertThrows(InvalidRequestException.class, () -> ScmScheduler.timesteps(null, List.of(0.0), null, null));
        assertThrows(InvalidRequestException.class, () -> ScmScheduler.timesteps(null, List.of(Double.NaN, 0.0), null, null));
        assertThrows(InvalidRequestException.class, () -> ScmScheduler.timesteps(2, null, null, 1.7));
    }
}
