return { store = { db = "a]]b" }, run = { out = "x\ny" }, mail = { to = "a@b.c", from = "x@y.z", smtp = "smtp://127.0.0.1:25" } }
