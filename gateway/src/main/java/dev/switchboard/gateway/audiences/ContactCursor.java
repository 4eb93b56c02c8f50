package dev.switchboard.gateway.audiences;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * An audience's contacts one at a time, read a page at a time in phone order (keyset paging on
 * the primary key, so each page is an index range scan however far in it is). Memory is one
 * page. Contacts added or removed while it runs are seen or not depending on where the cursor
 * is; {@link #position()} is where to resume after a restart.
 */
public final class ContactCursor implements Iterator<Contact> {
    private final AudienceStore store;
    private final String audienceId;
    private final int pageSize;
    private List<Contact> page = List.of();
    private int next;
    private boolean lastPage;
    private String position;

    ContactCursor(AudienceStore store, String audienceId, String afterPhone, int pageSize) {
        this.store = store;
        this.audienceId = audienceId;
        this.pageSize = pageSize;
        this.position = afterPhone;
    }

    @Override
    public boolean hasNext() {
        if (next < page.size()) {
            return true;
        }
        if (lastPage) {
            return false;
        }
        page = store.page(audienceId, position, pageSize);
        next = 0;
        lastPage = page.size() < pageSize;
        return !page.isEmpty();
    }

    @Override
    public Contact next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Contact c = page.get(next++);
        position = c.phone();
        return c;
    }

    /** The phone of the last contact returned (null before the first): pass it as {@code afterPhone} to resume. */
    public String position() {
        return position;
    }
}
