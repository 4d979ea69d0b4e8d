return { store = { db = "a]==]b" } }
