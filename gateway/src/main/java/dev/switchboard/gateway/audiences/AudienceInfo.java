package dev.switchboard.gateway.audiences;

/**
 * An audience as stored: a tenant's named contact list.
 *
 * @param defaultCountry ISO 3166 region numbers without {@code +country} are read in, or null
 * @param contacts       distinct phones in it
 * @param lastImport     the latest import's report as JSON, or null before the first
 */
public record AudienceInfo(String id, String tenantId, String name, String defaultCountry, long contacts, String lastImport,
                           long createdAt, long updatedAt) {}
