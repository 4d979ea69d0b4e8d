return { analysis = { alpha = "0.05" }, store = { db = 5 } }
