package dev.sprint.core.sched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.core.sched.FlowMatchEulerScheduler.FlowMatchEulerConfig;
import dev.sprint.core.sched.FlowMatchEulerScheduler.Schedule;
import dev.sprint.core.io.Config;
import dev.sprint.core.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The flow-matching schedule of the ControlNet golden, exactly (float32 values). */
public class FlowMatchEulerSchedulerTest {

    /** The golden pipeline_controlnet case of cases.json. */
    public static JsonObject controlnetCase() throws Exception {
        JsonObject all = JsonParser.parseString(Files.readString(Golden.sana().resolve("cases.json"))).getAsJsonObject();
        for (var c : all.getAsJsonArray("cases")) {
            if (c.getAsJsonObject().get("name").getAsString().equals("pipeline_controlnet")) return c.getAsJsonObject();
        }
        throw new AssertionError("cases.json has no pipeline_controlnet case");
    }

    static float[] floats(JsonArray a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsFloat();
        return out;
    }

    @Test
    void goldenScheduleIsReproducedExactly() throws Exception {
        JsonObject c = controlnetCase();
        Path cfg = Golden.sana().resolve("model_controlnet/scheduler/scheduler_config.json");
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(FlowMatchEulerConfig.from(Config.read(cfg)));
        assertEquals(3.0, s.config().shift());
        Schedule sch = s.schedule(c.get("num_inference_steps").getAsInt());
        assertArrayEquals(floats(c.getAsJsonArray("scheduler_timesteps")), sch.timesteps());
        assertArrayEquals(floats(c.getAsJsonArray("scheduler_sigmas")), sch.sigmas());
    }

    @Test
    void oneStepStartsAtFullNoiseAndEndsAtZero() {
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(new FlowMatchEulerConfig(1000, 3.0, null, false));
        Schedule sch = s.schedule(1);
        assertArrayEquals(new float[] {1000f}, sch.timesteps());
        assertArrayEquals(new float[] {1f, 0f}, sch.sigmas());
        assertEquals(-1f, sch.dt(0));
    }
}
