// The two character rules of HTTP fields (RFC 9110 §5.1, §5.5), shared by everything that
// reads or writes a header: the proxy's wire code, Forwarded values, replay edits.

/** A token: a field name, a method, a Forwarded value that needs no quotes. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The first character a field value may not hold: anything but tab, visible ASCII, space and
 * obs-text. CR and LF among them, which would end the field and start another.
 */
export const INVALID_FIELD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
