/*
 * timings.c — `--timings`: how long each stage of a command took, on stderr, one line a stage
 * with wall-clock and CPU seconds (CPU is what a shared, noisy machine still measures fairly),
 * then the total and the peak resident memory. The benchmark script reads these lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cli.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void hl_cli_timer_start(hl_cli_timer *t, int on)
{
    t->on = on;
    t->wall0 = t->wall = clock_s(CLOCK_MONOTONIC);
    t->cpu0 = t->cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static long peak_mb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss / 1024 : -1;
}

void hl_cli_timer_lap(hl_cli_timer *t, const char *stage)
{
    double w = clock_s(CLOCK_MONOTONIC), c = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    if (t->on)
        fprintf(stderr, "hookline: timing %-10s %8.3f s wall %8.3f s cpu, peak RSS %ld MB so far\n",
                stage, w - t->wall, c - t->cpu, peak_mb());
    t->wall = w;
    t->cpu = c;
}

void hl_cli_timer_part(const hl_cli_timer *t, const char *part, double cpu_s)
{
    if (t->on)
        fprintf(stderr, "hookline: timing   %-10s %17s %8.3f s cpu\n", part, "", cpu_s);
}

void hl_cli_timer_end(hl_cli_timer *t)
{
    if (!t->on)
        return;
    double w = clock_s(CLOCK_MONOTONIC), c = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    fprintf(stderr, "hookline: timing %-10s %8.3f s wall %8.3f s cpu, peak RSS %ld MB\n", "total",
            w - t->wall0, c - t->cpu0, peak_mb());
}
