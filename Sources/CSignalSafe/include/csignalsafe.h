#ifndef VBIOS_CSIGNALSAFE_H
#define VBIOS_CSIGNALSAFE_H

/* The part of the tool that runs inside a signal handler, in C: a Swift handler may need the
 * runtime's metadata caches, whose locks the interrupted thread can hold (a deadlock seen in a
 * test: SIGINT during `scan --extract`). What runs here calls only unlink(2), signal(2), raise(3)
 * and pthread_mutex_lock on a lock no handler-interrupted thread holds (callers block the
 * termination signals around add/remove). */

/* Records `path` (copied) as a file to remove if the process is killed by a termination signal.
 * Returns 0, or -1 when the table is full or memory ran out (the file is then not removed). */
int vbios_pending_add(const char *path);
/* Forgets `path`. */
void vbios_pending_remove(const char *path);
/* Removes every recorded file (what the handler does first). */
void vbios_pending_unlink_all(void);
/* Installs, for `sig`, the handler that removes the recorded files and then dies of `sig` by its
 * default action. */
void vbios_install_termination_handler(int sig);

#endif
