/*
 * template_out.h — the report templates rendered into a run's output directory (`analyze` and
 * `run`), and the cell adapters `hookline report` shares with them.
 */
#ifndef HL_CLI_TEMPLATE_OUT_H
#define HL_CLI_TEMPLATE_OUT_H

#include "cli/tabular.h"
#include "hookline/columns.h"
#include "hookline/config.h"
#include "hookline/ingest.h"
#include "hookline/output.h"
#include "hookline/table.h"

/* A report column's kind as the tabular writer formats it. */
hl_colkind hl_cli_report_colkind(hl_column_kind k);
/* hl_tab cell callback over an hl_report (ud). */
void hl_cli_report_cell(void *ud, size_t row, size_t col, hl_cellval *out);

typedef struct hl_cli_tplout hl_cli_tplout;

/* Loads the custom columns (cfg.columns_file, else the bundled scripts/columns.lua) and the
 * templates (bundled scripts/reports/ plus cfg.reports_dir), gives both the input's extra
 * column names, and builds every template over from..to of t. Each becomes two files:
 * report-<name>.html and report-<name>.csv. A template or column error is the user's input:
 * HL_EINPUT with its location. *out is owned by the caller: hl_cli_tplout_free. */
hl_status hl_cli_tplout_build(hl_table *t, const hl_ingest *ing, const hl_config *cfg,
                              int32_t from, int32_t to, hl_cli_tplout **out, hl_error *err);
/* The custom columns (borrowed from o; NULL when there are none). */
hl_columns *hl_cli_tplout_columns(const hl_cli_tplout *o);
/* The files to write (borrowed from o). */
const hl_run_file *hl_cli_tplout_files(const hl_cli_tplout *o, size_t *n);
void hl_cli_tplout_free(hl_cli_tplout *o);

#endif
