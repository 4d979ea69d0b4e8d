analysis = { mode = "bayes" }
