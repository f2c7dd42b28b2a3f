#include "csignalsafe.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fixed table: the handler walks it without allocating. The tool writes a few files at once
 * (prepare's set: a ROM and a handful of configs), far below this. */
#define VBIOS_PENDING_MAX 1024
static char *pending[VBIOS_PENDING_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int vbios_pending_add(const char *path) {
    char *copy = strdup(path);
    if (!copy) return -1;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < VBIOS_PENDING_MAX; i++) {
        if (!pending[i]) {
            pending[i] = copy;
            pthread_mutex_unlock(&lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&lock);
    free(copy);
    return -1;
}

void vbios_pending_remove(const char *path) {
    char *found = NULL;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < VBIOS_PENDING_MAX; i++) {
        if (pending[i] && strcmp(pending[i], path) == 0) {
            found = pending[i];
            pending[i] = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    free(found);
}

void vbios_pending_unlink_all(void) {
    pthread_mutex_lock(&lock);
    for (int i = 0; i < VBIOS_PENDING_MAX; i++) {
        if (pending[i]) unlink(pending[i]);
    }
    pthread_mutex_unlock(&lock);
}

static void on_termination(int sig) {
    vbios_pending_unlink_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

void vbios_install_termination_handler(int sig) { signal(sig, on_termination); }
