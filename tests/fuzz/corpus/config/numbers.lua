return { analysis = { alpha = 0/0, window_days = 1e400, min_days = 2.5 } }
