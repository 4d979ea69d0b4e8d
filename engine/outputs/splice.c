/*
 * splice.c — the ffmpeg command for the splice part of a recipe, for users who cut the video
 * themselves (ffmpeg is not a dependency: the command is only written out). Every segment is
 * trimmed, scaled and padded to 1080x1920 at 30 fps with 48 kHz audio so that clips from
 * different ads concatenate cleanly; every path is shell-quoted.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hookline/recipe.h"

/* Single-quoted for POSIX shells: ' becomes '\'' */
static void shq(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* The source video of an ad: the first file in dir named <id>.<ext>. */
static int find_source(const char *dir, const char *base, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    size_t bl = strlen(base);
    int found = -1;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, bl) == 0 && e->d_name[bl] == '.' && e->d_name[bl + 1]) {
            snprintf(out, cap, "%s/%s", dir, e->d_name);
            found = 0;
            break;
        }
    }
    closedir(d);
    return found;
}

int hl_recipe_splice_command(FILE *f, const hl_recipe *r, const char *dir, const char *output,
                             hl_error *err)
{
    char paths[HL_RECIPE_MAX_SEGMENTS][4096];
    for (size_t i = 0; i < r->nseg; i++) {
        const hl_segment *s = &r->seg[i];
        char base[256];
        if (strcmp(s->source, "generate") == 0)
            snprintf(base, sizeof base, "%s-%s", r->id, hl_seg_role_name(s->role));
        else
            snprintf(base, sizeof base, "%s", s->source);
        if (strchr(base, '/') || find_source(dir, base, paths[i], sizeof paths[i]) < 0) {
            hl_error_set(err, HL_EINPUT, dir, 0, 0,
                         "no source video for segment %zu (%s): expected a file named %s.<ext> "
                         "in the directory",
                         i + 1, hl_seg_role_name(s->role), base);
            return -1;
        }
    }
    fputs("ffmpeg -hide_banner", f);
    for (size_t i = 0; i < r->nseg; i++) {
        const hl_segment *s = &r->seg[i];
        if (s->anchor_end) {
            /* from the end: -sseof seeks relative to the end of the input */
            fprintf(f, " -sseof -%g", s->start_s);
            if (s->end_s.ok && s->end_s.v > 0)
                fprintf(f, " -t %g", s->start_s - s->end_s.v);
        } else {
            fprintf(f, " -ss %g", s->start_s);
            if (s->end_s.ok) {
                fprintf(f, " -t %g", s->end_s.v - s->start_s);
            } else if (s->trim_end_s.ok && s->trim_end_s.v > 0) {
                /* "up to the last N seconds": the length comes from ffprobe at run time */
                fputs(" -t \"$(ffprobe -v error -show_entries format=duration -of csv=p=0 ", f);
                shq(f, paths[i]);
                fprintf(f, " | awk '{print $1 - %g - %g}')\"", s->trim_end_s.v, s->start_s);
            }
        }
        fputs(" -i ", f);
        shq(f, paths[i]);
    }
    fputs(" -filter_complex ", f);
    char graph[4096];
    size_t gl = 0;
    for (size_t i = 0; i < r->nseg && gl < sizeof graph; i++)
        gl += (size_t)snprintf(graph + gl, sizeof graph - gl,
                               "[%zu:v]scale=1080:1920:force_original_aspect_ratio=decrease,"
                               "pad=1080:1920:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30[v%zu];"
                               "[%zu:a]aresample=48000,aformat=channel_layouts=stereo[a%zu];",
                               i, i, i, i);
    for (size_t i = 0; i < r->nseg && gl < sizeof graph; i++)
        gl += (size_t)snprintf(graph + gl, sizeof graph - gl, "[v%zu][a%zu]", i, i);
    if (gl < sizeof graph)
        snprintf(graph + gl, sizeof graph - gl, "concat=n=%zu:v=1:a=1[v][a]", r->nseg);
    shq(f, graph);
    fputs(" -map '[v]' -map '[a]' -c:v libx264 -preset medium -crf 18 -c:a aac -b:a 192k "
          "-movflags +faststart ",
          f);
    shq(f, output);
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}
