/*
 * standalone.c — a main() for the libFuzzer targets of tests/fuzz when libFuzzer is not there
 * (any compiler, -DHL_FUZZ_STANDALONE=ON): `fuzz_<name>_standalone FILE|DIR...` runs the
 * target's LLVMFuzzerTestOneInput once over each file (directories: every regular file in them,
 * in name order), the way a libFuzzer binary does with file arguments, and prints one line per
 * input and a count. A crash, a sanitizer report or an abort() of the target's own checks ends
 * the process abnormally, which is what the ctest cases fuzz_<name>_corpus look for.
 *
 * `--expect-crash FILE|DIR...` runs each input in a child process instead and succeeds only if
 * every one of them crashes (a signal, an abort, a sanitizer's non-zero exit): the ctest cases
 * fuzz_<name>_known_bugs replay the reproducers of open bugs that way (with HL_FUZZ_STRICT=1, so
 * the targets do not tolerate them), and fail once a bug no longer reproduces.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char *prog = "fuzz";
static int expect_crash;
static int survivors;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    int rerr = ferror(f);
    fclose(f);
    if (!buf || rerr) {
        fprintf(stderr, "%s: %s: cannot read\n", prog, path);
        free(buf);
        return 1;
    }
    /* stdout may be redirected by the target (fuzz_stats_cli): report on stderr */
    fprintf(stderr, "%s: %s (%zu bytes)\n", prog, path, n);
    /* a copy of exactly n bytes, so ASan sees a read past the input as libFuzzer would */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, n);
    free(buf);
    if (!expect_crash) {
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
        return 0;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        free(exact);
        return 1;
    }
    if (pid == 0) {
        LLVMFuzzerTestOneInput(exact, n);
        _exit(0);
    }
    free(exact);
    int ws = 0;
    if (waitpid(pid, &ws, 0) < 0) {
        perror("waitpid");
        return 1;
    }
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
        fprintf(stderr, "%s: %s: no longer crashes (fixed? move it to crashes/)\n", prog, path);
        survivors++;
    } else {
        fprintf(stderr, "%s: %s: still crashes (%s %d), as expected\n", prog, path,
                WIFSIGNALED(ws) ? "signal" : "exit",
                WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, size_t *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return run_file(path);
    }
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        return 1;
    }
    char **names = NULL;
    size_t nn = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char **nb = realloc(names, (nn + 1) * sizeof *names);
        if (!nb) {
            rc = 1;
            break;
        }
        names = nb;
        names[nn] = strdup(e->d_name);
        if (names[nn])
            nn++;
    }
    closedir(d);
    if (nn)
        qsort(names, nn, sizeof *names, cmp_names);
    for (size_t i = 0; i < nn; i++) {
        size_t pl = strlen(path) + strlen(names[i]) + 2;
        char *p = malloc(pl);
        if (p) {
            snprintf(p, pl, "%s/%s", path, names[i]);
            if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
                (*count)++;
                rc |= run_file(p);
            }
            free(p);
        } else {
            rc = 1;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    prog = slash ? slash + 1 : argv[0];
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--expect-crash") == 0) {
        expect_crash = 1;
        first = 2;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: %s [--expect-crash] FILE|DIR...\n", prog);
        return 2;
    }
    LLVMFuzzerInitialize(&argc, &argv);
    size_t count = 0;
    int rc = 0;
    for (int i = first; i < argc; i++)
        rc |= run_path(argv[i], &count);
    if (expect_crash)
        fprintf(stderr, "%s: %zu inputs, %zu still crash\n", prog, count,
                count - (size_t)survivors);
    else
        fprintf(stderr, "%s: %zu inputs, no crash\n", prog, count);
    return rc || count == 0 || survivors > 0;
}
