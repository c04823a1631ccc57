/**
 * The container's page map: one byte per page in page-table order, the page-table
 * bits (present, dirty, rights) plus PAGE_ZERO for pages that are all zeros and
 * therefore not sent.
 */
export const PAGE_ZERO = 0x80;
