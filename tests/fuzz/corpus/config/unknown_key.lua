return { analysis = { alpah = 0.05 } }
