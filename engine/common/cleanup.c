/*
 * cleanup.c — the registry of temporary paths and the fatal-signal handler that removes them
 * (see cleanup.h). A slot's state goes free -> claimed (being filled) -> active; the handler
 * only reads active slots, so a signal arriving while a slot is filled never sees half a path.
 */
/* built with _DEFAULT_SOURCE (CMakeLists.txt): syscall() */
#include "cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#define SLOTS 64
#define PATH_CAP 4096

enum { FREE = 0, CLAIMED = 1, ACTIVE = 2 };

static struct {
    atomic_int state;
    int is_dir;
    char path[PATH_CAP];
} slots[SLOTS];

int hl_cleanup_add(const char *path, int is_dir)
{
    size_t n = strlen(path);
    if (n >= PATH_CAP)
        return -1;
    for (int i = 0; i < SLOTS; i++) {
        int expect = FREE;
        if (atomic_compare_exchange_strong(&slots[i].state, &expect, CLAIMED)) {
            memcpy(slots[i].path, path, n + 1);
            slots[i].is_dir = is_dir;
            atomic_store(&slots[i].state, ACTIVE);
            return i;
        }
    }
    return -1;
}

void hl_cleanup_remove(int slot)
{
    if (slot >= 0 && slot < SLOTS)
        atomic_store(&slots[slot].state, FREE);
}

/* Removes a directory's entries (one level: run's temporary directory holds files) and the
 * directory, with system calls only. Entries are deleted while the directory is read, which
 * may skip some; a few passes finish the job. */
static void clear_dir(const char *path)
{
#ifdef __linux__
    for (int pass = 0; pass < 4; pass++) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return;
        _Alignas(8) char buf[8192];
        long got;
        int removed = 0;
        while ((got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (long off = 0; off < got;) {
                /* struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), name */
                unsigned short reclen;
                memcpy(&reclen, buf + off + 16, sizeof reclen);
                unsigned char type = (unsigned char)buf[off + 18];
                const char *name = buf + off + 19;
                if (reclen == 0)
                    break;
                off += reclen;
                if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
                    continue;
                if (unlinkat(fd, name, type == 4 /* DT_DIR */ ? AT_REMOVEDIR : 0) == 0)
                    removed++;
            }
        }
        close(fd);
        if (rmdir(path) == 0 || !removed)
            return;
    }
#else
    (void)path; /* elsewhere the next run's sweep removes it */
#endif
}

static sigset_t held_old;

static void fatal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

void hl_cleanup_hold(void)
{
    sigset_t set;
    fatal_set(&set);
    sigprocmask(SIG_BLOCK, &set, &held_old);
}

void hl_cleanup_release(void)
{
    sigprocmask(SIG_SETMASK, &held_old, NULL);
}

static void on_fatal(int sig)
{
    for (int i = 0; i < SLOTS; i++) {
        if (atomic_load(&slots[i].state) != ACTIVE)
            continue;
        if (slots[i].is_dir)
            clear_dir(slots[i].path);
        else
            unlink(slots[i].path);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void hl_cleanup_install(void)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal;
        fatal_set(&sa.sa_mask); /* one cleanup at a time */
        sigaction(sigs[i], &sa, NULL);
    }
}
