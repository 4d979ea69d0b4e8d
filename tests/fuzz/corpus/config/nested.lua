return { analysis = { x = { y = { z = { w = {} } } } } }
