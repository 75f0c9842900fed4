/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Text from the traced world (paths, command lines, process names, kernel and command output),
 * made safe to print in a terminal or a ticket. A file name can hold any byte but '/' and NUL: an
 * escape sequence in one would drive the terminal that shows the report (its title, colours,
 * clipboard), and a newline would start a line that looks like a finding of its own.
 */
#ifndef FSTRACE_DISPLAY_H
#define FSTRACE_DISPLAY_H

/*
 * S as it is when it needs nothing, else a copy with C0 controls and DEL written \n \t \r \e
 * or \xNN, C1 controls (U+0080-U+009F) \u0080, and bytes that are not UTF-8 \xNN. NULL stays
 * NULL. A copy is one of a few rotating buffers: valid until that many more escaped strings, so
 * use it at once, at most DISPLAY_SLOTS to one call; one past DISPLAY_MAX bytes is cut, ending "...".
 */
#define DISPLAY_SLOTS 8
#define DISPLAY_MAX 16384
const char *shown(const char *s);

#endif
