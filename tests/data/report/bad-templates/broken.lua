-- A template with a misspelt column (tests/integration/test_report_cli.py expects line 8).
report {
  name = "broken",
  title = "Broken",
  level = "ad",
  columns = {
    "ad_name",
    "hook_rte",
    "ctr",
  },
}
