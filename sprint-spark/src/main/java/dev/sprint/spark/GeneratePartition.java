package dev.sprint.spark;

import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.Provenance;
import dev.sprint.api.SprintException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates one partition: reads its rows (prompts and seeds only, small), orders them ({@link Item#ORDER}), cuts
 * them into batches of compatible rows, and generates batch by batch as Spark pulls rows, so one batch of images
 * is in memory at a time. Each image draws its noise from its own generator seeded by its row.
 *
 * @param settings what every row is generated with
 * @param columns  where the input rows hold their fields
 */
record GeneratePartition(SparkImageSettings settings, InputColumns columns) implements MapPartitionsFunction<Row, Row> {
    private static final Logger LOG = LoggerFactory.getLogger(GeneratePartition.class);
    /** Provenance extras that describe the batch an image happened to be in, not the image. */
    private static final List<String> BATCH_EXTRAS = List.of("image_index", "image_seed");

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        List<Item> items = new ArrayList<>();
        while (rows.hasNext()) items.add(columns.read(rows.next(), settings));
        if (items.isEmpty()) return Collections.emptyIterator(); // no pipeline for an empty partition
        items.sort(Item.ORDER);
        List<List<Item>> batches = batches(items, settings.batchSize());
        Pipeline pipeline = ExecutorPipelines.get(settings);
        int partition = TaskContext.getPartitionId();
        return new Iterator<>() {
            private int next;
            private Iterator<Row> current = Collections.emptyIterator();
            private int done;

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && next < batches.size()) {
                    List<Item> batch = batches.get(next++);
                    long t = System.nanoTime();
                    current = generate(pipeline, settings, batch).iterator();
                    done += batch.size();
                    LOG.info("partition {}: {} image(s) ({}) in {} ms; {}/{} done", partition, batch.size(),
                            batch.get(0).shape(), (System.nanoTime() - t) / 1_000_000, done, items.size());
                }
                return current.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return current.next();
            }
        };
    }

    /** Consecutive compatible items, at most {@code size} per batch. */
    static List<List<Item>> batches(List<Item> sorted, int size) {
        List<List<Item>> out = new ArrayList<>();
        List<Item> batch = new ArrayList<>();
        for (Item it : sorted) {
            if (!batch.isEmpty() && (batch.size() == size || !batch.get(0).compatible(it))) {
                out.add(batch);
                batch = new ArrayList<>();
            }
            batch.add(it);
        }
        if (!batch.isEmpty()) out.add(batch);
        return out;
    }

    /** One generation call for a batch: one prompt and one seed per row; the input rows plus PNG and provenance. */
    static List<Row> generate(Pipeline pipeline, SparkImageSettings settings, List<Item> batch) {
        Item first = batch.get(0);
        GenerationRequest.Builder b = settings.request();
        List<String> prompts = new ArrayList<>(batch.size());
        List<Long> seeds = new ArrayList<>(batch.size());
        for (Item it : batch) {
            prompts.add(it.prompt());
            seeds.add(it.seed());
        }
        // seeds: one generator per image, as a list of torch generators in diffusers; the call seed only
        // pins anything a model might draw outside the images' noise
        b.prompts(prompts).seeds(seeds).seed(first.seed());
        if (first.width() != null) b.width(first.width());
        if (first.height() != null) b.height(first.height());
        if (first.steps() != null) b.steps(first.steps());
        GenerationResult result;
        try {
            result = pipeline.generate(b.build());
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(context(batch) + e.getMessage());
        } catch (SprintException e) {
            throw new SprintException(context(batch) + e.getMessage(), e);
        }
        if (result.images().size() != batch.size()) {
            throw new SprintException("the pipeline returned " + result.images().size() + " images for "
                    + batch.size() + " prompts");
        }
        List<Row> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Item it = batch.get(i);
            GeneratedImage img = result.images().get(i);
            Provenance p = rowProvenance(img.provenance(), it);
            // re-encoded with the row's own provenance, so the bytes do not depend on the batch or the call seed
            byte[] png = new GeneratedImage(img.width(), img.height(), img.rgb(), p).toPng();
            Row in = it.row();
            Object[] values = new Object[in.length() + 2];
            for (int c = 0; c < in.length(); c++) values[c] = in.get(c);
            values[in.length()] = png;
            values[in.length() + 1] = Json.provenance(p);
            out.add(RowFactory.create(values));
        }
        return out;
    }

    /** The image's provenance with its row's seed and without what only described its place in the batch. */
    static Provenance rowProvenance(Provenance p, Item it) {
        Map<String, String> extras = new LinkedHashMap<>(p.extras());
        BATCH_EXTRAS.forEach(extras::remove);
        return new Provenance(p.model(), p.pipeline(), p.backend(), it.prompt(), it.seed(), p.steps(), p.width(),
                p.height(), extras);
    }

    private static String context(List<Item> batch) {
        Item first = batch.get(0);
        String prompt = first.prompt().length() > 60 ? first.prompt().substring(0, 60) + "..." : first.prompt();
        return "generating " + batch.size() + " row(s) of " + first.shape() + " (first: prompt \"" + prompt
                + "\", seed " + first.seed() + "): ";
    }
}
