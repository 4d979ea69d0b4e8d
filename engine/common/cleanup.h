/*
 * cleanup.h — temporary paths that a fatal signal must not leave behind.
 *
 * Outputs are written to a temporary name and renamed into place, so a kill never leaves a
 * partial output under its final name; but without help it leaves the temporary file (or run's
 * temporary directory) for good. Writers register a temporary path while it exists; the
 * handler hl_cleanup_install() sets up for SIGTERM, SIGINT and SIGHUP removes what is
 * registered and then dies of the same signal, so the exit status still says "killed".
 *
 * Everything here is async-signal-safe on the handler's side: fixed slots, C11 atomics, and
 * only unlink/unlinkat/rmdir/open/getdents64 system calls in the handler.
 */
#ifndef HL_COMMON_CLEANUP_H
#define HL_COMMON_CLEANUP_H

/* Registers path (a file, or a directory whose entries and itself are removed). Returns a
 * slot for hl_cleanup_remove, or -1 when the path is too long or every slot is taken (then
 * the path is simply not cleaned on a signal; the writer's own error paths still apply). */
int hl_cleanup_add(const char *path, int is_dir);

/* Forgets a slot (after the rename, or after the writer removed the path itself); -1 is a
 * no-op. */
void hl_cleanup_remove(int slot);

/* Holds the fatal signals off while a temporary path is created and registered, so a signal
 * cannot land between the two (hl_cleanup_hold, create, hl_cleanup_add, hl_cleanup_release).
 * Not nested. */
void hl_cleanup_hold(void);
void hl_cleanup_release(void);

/* Installs the handler for SIGTERM, SIGINT and SIGHUP (signals that were ignored when the
 * process started, as under nohup, stay ignored). Called once by main. */
void hl_cleanup_install(void);

#endif
