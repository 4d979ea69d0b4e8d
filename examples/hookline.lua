-- hookline.lua — a ready configuration for the nightly job (`hookline run --config hookline.lua`).
-- Every setting has a documented default (`hookline config defaults` prints them all); only what
-- differs from the defaults needs to be here. Secrets never go in this file: the API token comes
-- from HOOKLINE_TIKTOK_TOKEN (or tiktok.token_file), the webhook secret from
-- HOOKLINE_WEBHOOK_SECRET, SMTP credentials from HOOKLINE_SMTP_USER / HOOKLINE_SMTP_PASSWORD.
return {
  store = { db = "/var/lib/hookline/hookline.db" },
  run = {
    out = "/var/lib/hookline/out",   -- OUT/<as-of>/ per night, OUT/latest -> the last one
    repull_days = 3,                  -- late conversions: the last 3 days are pulled again
  },
  tiktok = {
    advertisers = "7000000000000000001,7000000000000000002",
    token_file = "/etc/hookline/tiktok-token",
  },
  analysis = {
    mode = "sequential",              -- always-valid p-values across nightly looks
    alpha = 0.05,
    window_days = 28,
    adjust = "bh",                    -- Benjamini-Hochberg over each advertiser's tests
  },
  deliver = {
    webhook = "https://generator.example.com/hooks/hookline",
    adapter = "heygen",
  },
  mail = {
    smtp = "smtp://mail.example.com:587",   -- STARTTLS required
    from = "hookline@example.com",
    to = "growth@example.com",
  },
  experiments = { max_days = 28 },
}
