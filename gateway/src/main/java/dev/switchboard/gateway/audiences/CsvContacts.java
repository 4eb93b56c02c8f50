package dev.switchboard.gateway.audiences;

import de.siegmar.fastcsv.reader.CloseableIterator;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import dev.switchboard.gateway.intake.Rejection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A CSV upload, read record by record with FastCSV as the body arrives: RFC 4180 quoting (commas,
 * quotes and line breaks inside quoted fields), CRLF or LF, a UTF-8/16 byte-order mark, empty
 * lines skipped. The first record is the header; the phone is the column named {@code phone}
 * (any case) or the one the caller names, every other named column is a variable.
 *
 * <p>A bad row is reported with its line and the reading goes on. The parser is lenient where
 * leniency cannot misplace data (characters after a closing quote are kept; extra trailing
 * fields that are empty are ignored) and strict where it could (any other field-count mismatch
 * refuses the row). Only a file that cannot be parsed past some point — a quote that does not
 * close within {@link #MAX_FIELD_CHARS} characters — stops the import, with that line.
 */
final class CsvContacts implements ContactSource {
    /** The largest field (or unclosed quote) the parser holds before it gives up on the file. */
    static final int MAX_FIELD_CHARS = 64 * 1024;
    static final int MAX_COLUMNS = 100;
    static final int MAX_NAME_CHARS = 64;

    private final InputStream in;
    private final Charset charset;
    private final String phoneColumn;

    /** {@code phoneColumn}: the header of the phone column, or null for {@code phone}. */
    CsvContacts(InputStream in, Charset charset, String phoneColumn) {
        this.in = in;
        this.charset = charset;
        this.phoneColumn = phoneColumn == null ? "phone" : phoneColumn.strip();
    }

    @Override
    public void readInto(ContactImport sink) {
        CsvReader<CsvRecord> reader = CsvReader.builder()
                .detectBomHeader(true)
                .skipEmptyLines(true)
                .allowExtraFields(true)
                .allowMissingFields(true)
                .allowExtraCharsAfterClosingQuote(true)
                .maxBufferSize(MAX_FIELD_CHARS)
                .ofCsvRecord(in, charset);
        long lastLine = 0;
        try (CloseableIterator<CsvRecord> records = reader.iterator()) {
            if (!records.hasNext()) {
                throw new Rejection(400, "missing_header", 100, "The CSV is empty: the first line must name the columns,"
                        + " one of them '" + phoneColumn + "'");
            }
            CsvRecord header = records.next();
            lastLine = header.getStartingLineNumber();
            Columns columns = columns(header);
            while (records.hasNext()) {
                CsvRecord r = records.next();
                lastLine = r.getStartingLineNumber();
                row(sink, columns, r);
            }
        } catch (CsvParseException e) {
            String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
            throw new Rejection(400, "malformed_csv", 100, "The CSV cannot be read after line " + lastLine + " (a quoted field that"
                    + " does not close, or a field over " + MAX_FIELD_CHARS + " characters): " + why);
        } catch (UncheckedIOException e) {
            throw Uploads.readFailure(e.getCause());
        } catch (IOException e) {
            throw Uploads.readFailure(e);
        }
    }

    /** The phone column's index, and each variable column's index and name. */
    private record Columns(int phone, int width, int[] indexes, String[] names) {}

    private Columns columns(CsvRecord header) {
        if (header.getFieldCount() > MAX_COLUMNS) {
            throw new Rejection(400, "too_many_columns", 100, "The CSV has " + header.getFieldCount() + " columns; at most "
                    + MAX_COLUMNS + " are allowed");
        }
        int phone = -1;
        List<Integer> indexes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < header.getFieldCount(); i++) {
            String name = header.getField(i).strip();
            if (name.isEmpty()) {
                continue; // an unnamed column (a spreadsheet's trailing comma) carries nothing
            }
            if (name.length() > MAX_NAME_CHARS) {
                throw new Rejection(400, "invalid_header", 100, "Column " + (i + 1) + "'s name is longer than " + MAX_NAME_CHARS
                        + " characters");
            }
            if (!seen.add(name.toLowerCase(Locale.ROOT))) {
                throw new Rejection(400, "invalid_header", 100, "Two columns are named '" + name + "'");
            }
            if (phone < 0 && name.equalsIgnoreCase(phoneColumn)) {
                phone = i;
            } else {
                indexes.add(i);
                names.add(name);
            }
        }
        if (phone < 0) {
            throw new Rejection(400, "missing_phone_column", 100, "No column named '" + phoneColumn + "' in the header "
                    + header.getFields() + "; name it so, or pass phone_column=<its name>");
        }
        return new Columns(phone, header.getFieldCount(), indexes.stream().mapToInt(Integer::intValue).toArray(),
                names.toArray(String[]::new));
    }

    private static void row(ContactImport sink, Columns c, CsvRecord r) {
        long line = r.getStartingLineNumber();
        int fields = r.getFieldCount();
        String phone = c.phone() < fields ? r.getField(c.phone()) : null;
        if (fields < c.width() || (fields > c.width() && !emptyFrom(r, c.width()))) {
            sink.invalid(line, phone, "has " + fields + (fields == 1 ? " field" : " fields") + ", the header has " + c.width());
            return;
        }
        Map<String, String> variables = new LinkedHashMap<>();
        for (int i = 0; i < c.indexes().length; i++) {
            variables.put(c.names()[i], r.getField(c.indexes()[i]));
        }
        sink.row(line, phone, variables);
    }

    private static boolean emptyFrom(CsvRecord r, int from) {
        for (int i = from; i < r.getFieldCount(); i++) {
            if (!r.getField(i).isBlank()) {
                return false;
            }
        }
        return true;
    }
}
