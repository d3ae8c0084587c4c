package dev.sprint.spark;

import dev.sprint.api.InvalidRequestException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Where the Sprint columns are in an input row, checked once on the driver. Integers may be any integral
 * column type, a decimal without fraction, or a string holding an integer (CSV read without schema inference).
 */
final class InputColumns implements Serializable {
    private static final Set<DataType> INTEGRAL = Set.of(DataTypes.ByteType, DataTypes.ShortType,
            DataTypes.IntegerType, DataTypes.LongType, DataTypes.StringType);

    final int prompt;
    final int seed;
    final int width;
    final int height;
    final int steps;

    private InputColumns(StructType schema) {
        prompt = required(schema, SprintSpark.PROMPT);
        if (!schema.fields()[prompt].dataType().equals(DataTypes.StringType)) {
            throw new InvalidRequestException("column '" + SprintSpark.PROMPT + "' must be a string, it is "
                    + schema.fields()[prompt].dataType().simpleString());
        }
        seed = integral(schema, required(schema, SprintSpark.SEED));
        width = optional(schema, SprintSpark.WIDTH);
        height = optional(schema, SprintSpark.HEIGHT);
        steps = optional(schema, SprintSpark.STEPS);
        for (String out : new String[] {SprintSpark.PNG, SprintSpark.PROVENANCE}) {
            if (index(schema, out) >= 0) {
                throw new InvalidRequestException("the input already has a column '" + out + "', which Sprint adds;"
                        + " rename or drop it first");
            }
        }
    }

    static InputColumns of(StructType schema) {
        return new InputColumns(schema);
    }

    /** One row's Sprint values, the settings filling in what the row leaves empty. */
    Item read(Row row, SparkImageSettings s) {
        Object p = row.get(prompt);
        if (p == null) throw new InvalidRequestException("a row has no prompt: " + row);
        Long sd = number(row, seed, SprintSpark.SEED);
        if (sd == null) {
            throw new InvalidRequestException("a row has no seed (each row needs one, so that a retried task"
                    + " redraws the same image): " + row);
        }
        return new Item(row, (String) p, sd,
                or(intValue(row, width, SprintSpark.WIDTH), s.width()),
                or(intValue(row, height, SprintSpark.HEIGHT), s.height()),
                or(intValue(row, steps, SprintSpark.STEPS), s.steps()));
    }

    private static Integer or(Integer row, Integer setting) {
        return row != null ? row : setting;
    }

    private static Integer intValue(Row row, int i, String name) {
        Long v = number(row, i, name);
        if (v == null) return null;
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new InvalidRequestException("column '" + name + "' value " + v + " is out of range: " + row);
        }
        return v.intValue();
    }

    private static Long number(Row row, int i, String name) {
        if (i < 0 || row.isNullAt(i)) return null;
        Object v = row.get(i);
        try {
            if (v instanceof String s) {
                s = s.trim();
                return s.isEmpty() ? null : Long.parseLong(s);
            }
            if (v instanceof BigDecimal d) return d.longValueExact();
            return ((Number) v).longValue();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidRequestException("column '" + name + "' needs an integer, got '" + v + "': " + row);
        }
    }

    private static int required(StructType schema, String name) {
        int i = index(schema, name);
        if (i < 0) {
            throw new InvalidRequestException("the input has no column '" + name + "' (columns: "
                    + Arrays.toString(schema.fieldNames()) + "; needed: prompt, seed; optional: width, height, steps)");
        }
        return i;
    }

    private static int optional(StructType schema, String name) {
        int i = index(schema, name);
        return i < 0 ? -1 : integral(schema, i);
    }

    private static int integral(StructType schema, int i) {
        StructField f = schema.fields()[i];
        DataType t = f.dataType();
        boolean ok = INTEGRAL.contains(t) || t instanceof DecimalType d && d.scale() == 0;
        if (!ok) {
            throw new InvalidRequestException("column '" + f.name() + "' must hold integers (an integral type or a"
                    + " string), it is " + t.simpleString());
        }
        return i;
    }

    /** Spark resolves column names case-insensitively by default; so does this. */
    private static int index(StructType schema, String name) {
        String[] names = schema.fieldNames();
        for (int i = 0; i < names.length; i++) if (names[i].equals(name)) return i;
        for (int i = 0; i < names.length; i++) if (names[i].equalsIgnoreCase(name)) return i;
        return -1;
    }
}
