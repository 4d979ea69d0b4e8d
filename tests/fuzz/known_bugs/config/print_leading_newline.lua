return { run = { out = "\nx" } }
